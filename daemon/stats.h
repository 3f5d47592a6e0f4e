/* SPDX-License-Identifier: MIT */
/* The daemon's counters since start (lock-free, any thread). */
#ifndef PWD_STATS_H
#define PWD_STATS_H

#include <stdint.h>

#include "proto.h"

void stats_inc(enum pw_stat s);
uint64_t stats_get(enum pw_stat s);

#endif
