/* SPDX-License-Identifier: MIT */
/* History and token record layouts, as store.c writes them (records.h). */
#include "pwerr.h"
#include "records.h"

int
records_history_encode(const struct store_history *h, struct wire *w)
{
	uint8_t f, i;
	int r;

	if ((r = wire_put_u8(w, RECORDS_HIST_VERSION)) != PW_OK)
		return r;
	for (f = 0; f <= PW_FACTOR_MAX; f++) {
		if ((r = wire_put_u8(w, h->n[f])) != PW_OK)
			return r;
		for (i = 0; i < h->n[f] && i < PW_HISTORY_MAX; i++)
			if ((r = wire_put_str(w, h->hash[f][i])) != PW_OK)
				return r;
	}
	return PW_OK;
}

int
records_otp_encode(const struct store_otp *t, struct wire *w)
{
	int r;

	if ((r = wire_put_u8(w, RECORDS_OTP_VERSION)) != PW_OK ||
	    (r = wire_put_u8(w, t->pending)) != PW_OK ||
	    (r = wire_put_u8(w, t->tries)) != PW_OK ||
	    (r = wire_put_u64(w, t->last_step)) != PW_OK ||
	    (r = wire_put_bytes(w, t->nonce, sizeof(t->nonce))) != PW_OK ||
	    (r = wire_put_bytes(w, t->box, sizeof(t->box))) != PW_OK)
		return r;
	return PW_OK;
}
