/* net_eval.c — placeholder, being written */
