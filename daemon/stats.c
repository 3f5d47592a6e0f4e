/* SPDX-License-Identifier: MIT */
/* Counters reported by `pwadmin stats'. */
#include <stdatomic.h>

#include "stats.h"

static _Atomic uint64_t counters[PW_STAT_COUNT];

void
stats_inc(enum pw_stat s)
{
	if ((unsigned)s < PW_STAT_COUNT)
		atomic_fetch_add_explicit(&counters[s], 1, memory_order_relaxed);
}

uint64_t
stats_get(enum pw_stat s)
{
	if ((unsigned)s >= PW_STAT_COUNT)
		return 0;
	return atomic_load_explicit(&counters[s], memory_order_relaxed);
}
