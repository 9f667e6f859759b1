/* SPDX-License-Identifier: MIT */
/* procdom_int: what the procdom_*.c files share, not for the drivers. */
#ifndef RVIRT_HV_PROCDOM_INT_H
#define RVIRT_HV_PROCDOM_INT_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t procdom_now_ms(void);

#endif
