/* net_update.c — placeholder, being written */
