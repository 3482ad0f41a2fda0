/* angles.c — placeholder, being written */
