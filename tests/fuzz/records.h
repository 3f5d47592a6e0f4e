/* SPDX-License-Identifier: MIT */
/* The byte layouts of the password history and token records, written the
 * way store.c writes them (hist_put, store_tx_otp_put), for the store fuzz
 * harness and the seed generator. */
#ifndef PW_FUZZ_RECORDS_H
#define PW_FUZZ_RECORDS_H

#include "store.h"
#include "wire.h"

/*
 * store.c writes these two records inside its LMDB writers, with no
 * encoder of their own to call; these mirror them.  The seed generator
 * takes its seeds from a real store, and fuzz_store asserts that every
 * accepted record re-encodes here to its own bytes, so a layout change in
 * store.c that is not made here too fails the fuzzers at once.
 */
#define RECORDS_HIST_VERSION 1 /* HIST_VERSION in store.c */
#define RECORDS_OTP_VERSION  1 /* OTP_VERSION in store.c */

/* Appends the history record of h to w; PW_ERR_NOSPACE when it is full. */
int records_history_encode(const struct store_history *h, struct wire *w)
    PW_WUR;

/* Appends the token record of t to w; PW_ERR_NOSPACE when it is full. */
int records_otp_encode(const struct store_otp *t, struct wire *w) PW_WUR;

#endif
