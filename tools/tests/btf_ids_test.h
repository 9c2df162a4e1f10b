/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-in for the kernel's include/linux/btf_ids.h (6.1 layout), so the
 * tests can emit a module-like .BTF_ids with plain gcc and no kernel tree.
 * The emitted symbols, sizes and zero placeholders follow the kernel's, and
 * so does the alignment: none at all (the section comes out 1-aligned).
 */
#ifndef BTF_IDS_TEST_H
#define BTF_IDS_TEST_H

#define T_PASTE_(a, b) a##b
#define T_PASTE(a, b) T_PASTE_(a, b)

/* One 4-byte slot named __BTF_ID__<kind>__<name>__<uniq>, then "extra" bytes. */
#define T_SLOT_(sym, extra)					\
	asm(".pushsection .BTF_ids,\"a\"\n"			\
	    ".local " #sym "\n"					\
	    ".type " #sym ", STT_OBJECT\n"			\
	    ".size " #sym ", 4\n"				\
	    #sym ":\n"						\
	    ".zero 4\n"						\
	    extra						\
	    ".popsection\n")
#define T_SLOT(sym, extra) T_SLOT_(sym, extra)
#define T_SYM(kind, name) T_PASTE(__BTF_ID__##kind##__##name##__, __COUNTER__)

#define TEST_BTF_ID(kind, name) T_SLOT(T_SYM(kind, name), "")
/* set8 entry: id slot followed by its flags word */
#define TEST_BTF_ID_FLAGS(kind, name, flags) \
	T_SLOT(T_SYM(kind, name), ".long " #flags "\n")
/* unnamed zero slot, like BTF_ID_UNUSED */
#define TEST_BTF_ID_UNUSED \
	asm(".pushsection .BTF_ids,\"a\"\n.zero 4\n.popsection\n")

#define TEST_BTF_ID_LIST(name)					\
	asm(".pushsection .BTF_ids,\"a\"\n"			\
	    ".local " #name "\n" #name ":\n.popsection\n");	\
	extern unsigned int name[]

/* label <name>, then __BTF_ID__set[8]__<name> with a cnt (+flags) header */
#define T_SET_START(tag, name, hdr)				\
	asm(".pushsection .BTF_ids,\"a\"\n"			\
	    ".local " #name "\n" #name ":\n"			\
	    ".local __BTF_ID__" tag "__" #name "\n"		\
	    "__BTF_ID__" tag "__" #name ":\n"			\
	    ".zero " #hdr "\n.popsection\n")
/* the set symbol's size covers header and entries: resolve derives cnt from it */
#define T_SET_END(tag, name)					\
	asm(".pushsection .BTF_ids,\"a\"\n"			\
	    ".size __BTF_ID__" tag "__" #name ", .-" #name "\n"	\
	    ".popsection\n")

#define TEST_SET_START(name) T_SET_START("set", name, 4)
#define TEST_SET_END(name) T_SET_END("set", name); extern unsigned int name[]
#define TEST_SET8_START(name) T_SET_START("set8", name, 8)
#define TEST_SET8_END(name) T_SET_END("set8", name); extern unsigned int name[]

/* what bpfx_main.c puts before its set (issue 11) */
#define TEST_BTF_IDS_ALIGN8 asm(".pushsection .BTF_ids,\"a\"\n.balign 8\n.popsection\n")

#endif
