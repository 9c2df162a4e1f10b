/* SPDX-License-Identifier: GPL-2.0 */
/* ringbuf-records: what the BPF side and the loader share. */
#ifndef RINGBUF_RECORDS_H
#define RINGBUF_RECORDS_H

#define RR_MAX_VALUE 31		/* a record: type (1 byte), length (1), value */
#define RR_BATCH 8192		/* bytes of records one batch holds */
#define RR_MAX_RECORDS 512

struct rr_decoded {
	__u32 off;		/* where the record's value starts in the batch */
	__u32 type, len;
	__u32 sum;		/* sum of the value's bytes */
};

#endif
