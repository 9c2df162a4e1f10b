// SPDX-License-Identifier: GPL-2.0

package main

import (
	"bytes"
	"io"

	"github.com/cilium/ebpf/btf"
)

// The bits of include/bpfx_flags.h.
const (
	bpfxFNativeDynptr = 1 << 0
	bpfxFIter         = 1 << 1
	bpfxFImplicit     = 1 << 2
)

// detectFeatures is include/bpfx_features.h's bpfx_detect_features() for
// Go: kernel BTF only, nothing loaded to find out. Natives
// (bpf_dynptr_adjust and friends, 6.5+) are called under a "___bpfx"
// flavour name; cilium/ebpf (0.22) looks a kfunc up by its full name,
// flavour included (btf.Spec.AnyTypesByName), so it would not find them:
// the natives bit stays off and every bpfx_dp_* wrapper takes the bpfx
// kfuncs, which give the same results. The module bits come from bpfx's own BTF.
func detectFeatures(kernel *btf.Spec) uint32 {
	var f uint32
	mod, err := btf.LoadKernelModuleSpec("bpfx")
	if err != nil {
		return f
	}
	var fn *btf.Func
	if mod.TypeByName("bpf_iter_bpfx_dynptr_new", &fn) == nil {
		f |= bpfxFIter
	}
	if mod.TypeByName("bpfx_prog_id", &fn) == nil {
		f |= bpfxFImplicit
	}
	return f
}

func bytesReader(b []byte) io.ReaderAt { return bytes.NewReader(b) }
