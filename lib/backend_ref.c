/* backend_ref.c — placeholder, being written */
