/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __BPFX_PROG_SUITE_H
#define __BPFX_PROG_SUITE_H
#include <stddef.h>
#include <bpf/libbpf.h>

struct prog_suite {
	const void *(*elf_bytes)(size_t *sz);	/* from the bpftool skeleton */
	bool features;	/* set bpfx_features from bpfx_detect_features() */
	/* Load every program, run none, and expect each to load, whatever
	 * its tags say: the attack programs with a guard disarmed. */
	bool load_only;
};

void run_prog_suite(const struct prog_suite *s);
void prog_suite_set_features(struct bpf_object *obj, unsigned int feats);
#endif
