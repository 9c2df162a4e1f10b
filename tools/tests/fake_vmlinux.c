// SPDX-License-Identifier: GPL-2.0
/* Tiny stand-in for vmlinux BTF: the base the fake module is deduped against. */
typedef unsigned int __u32;
typedef __u32 u32;

struct bpf_dynptr_kern {
	void *data;
	u32 size;
	u32 offset;
} __attribute__((aligned(8)));

struct bpf_dynptr {
	unsigned long long __opaque[2];
} __attribute__((aligned(8)));

union vmlinux_union {
	int i;
	long l;
};

u32 vmlinux_dynptr_size(struct bpf_dynptr_kern *p) { return p->size; }
u32 vmlinux_dynptr_opaque(struct bpf_dynptr *p) { return p->__opaque[0]; }
long vmlinux_union_get(union vmlinux_union *u) { return u->l; }
