/* SPDX-License-Identifier: MIT */
/* What the libFuzzer harnesses share: the entry points, property checks
 * that stop the run, and small byte helpers. */
#ifndef PW_FUZZ_H
#define PW_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points; each harness defines the first, some both. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * FUZZ_ASSERT(cond) checks a property of the code under test.  When it
 * does not hold, one line naming the harness line and the condition goes
 * to the sanitizers' report descriptor (which libFuzzer keeps open under
 * -close_fd_mask=2) and the process aborts, so libFuzzer saves the input.
 */
#define FUZZ_ASSERT(cond)                                      \
	do {                                                   \
		if (!(cond))                                   \
			fuzz_fail(__FILE__, __LINE__, #cond);  \
	} while (0)

__attribute__((noreturn)) void fuzz_fail(const char *file, int line,
    const char *what);

/* True when the n bytes at p are all zero. */
bool fuzz_zero(const void *p, size_t n);

/* True when the array s of n bytes holds a NUL (a C string within it). */
bool fuzz_terminated(const char *s, size_t n);

/* A free-text field as the decoders admit it: a C string within the
 * array s of n bytes, of 0x21-0x7e only (the model, written apart from
 * the code under test). */
bool fuzz_text(const char *s, size_t n);

/*
 * A heap copy of exactly n bytes (at least one byte is allocated), so that
 * AddressSanitizer catches a read one past the end; aborts when out of
 * memory.  Free it with free().
 */
uint8_t *fuzz_dup(const uint8_t *p, size_t n);

struct wire;
/*
 * Re-encodes a decoded message with enc into a new buffer of exactly n
 * bytes: it must be the n input bytes `in' again, and be refused with
 * PW_ERR_NOSPACE, without a write past the end, when one byte less fits.
 * Returns that buffer (free it).
 */
uint8_t *fuzz_reencode(int (*enc)(struct wire *w, const void *msg),
    const void *msg, const uint8_t *in, size_t n);

#endif
