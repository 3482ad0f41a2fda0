/* net_rules.c — placeholder, being written */
