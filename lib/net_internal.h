/* net_internal.h placeholder */
