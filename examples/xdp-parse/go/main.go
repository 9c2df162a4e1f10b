// SPDX-License-Identifier: GPL-2.0

// xdp-parse-go: the xdp-parse loader in Go with cilium/ebpf, same object,
// same output as the C loader (../xdp_parse.c):
//
//	xdp-parse-go --pcap FILE [--copy]
//
// It does what bpfx_features.h does for C loaders: read kernel BTF, set
// bpfx_features in the object's .rodata before load (features.go).
package main

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/ringbuf"
)

//go:embed xdp_parse.bpf.o
var object []byte

// struct xp_rec and struct xp_totals of ../xdp_parse.h.
type rec struct {
	Vlan         [4]uint16
	Nvlan        uint8
	L3, L4       uint8
	Flags        uint8
	Src, Dst     [16]byte
	Sport, Dport uint16
	Pad          uint32
}

type totals struct {
	Packets, Malformed, Ipv4, Ipv6, Tcp, Udp, Icmp, Icmpv6 uint64
}

const (
	xpMalformed = 1
	xpAddrs     = 2
	xpPorts     = 4
)

func l4name(p uint8) string {
	switch p {
	case 6:
		return `"tcp"`
	case 17:
		return `"udp"`
	case 1:
		return `"icmp"`
	case 58:
		return `"icmpv6"`
	}
	return "null"
}

func printRec(frame int, r *rec) {
	fmt.Printf(`{"frame": %d, "vlan": [`, frame)
	for i := 0; i < int(r.Nvlan) && i < len(r.Vlan); i++ {
		if i > 0 {
			fmt.Print(", ")
		}
		fmt.Print(r.Vlan[i])
	}
	l3 := "null"
	if r.L3 == 4 {
		l3 = `"ipv4"`
	} else if r.L3 == 6 {
		l3 = `"ipv6"`
	}
	fmt.Printf(`], "l3": %s, `, l3)
	if r.Flags&xpAddrs != 0 {
		n := 4
		if r.L3 == 6 {
			n = 16
		}
		fmt.Printf(`"src": "%s", "dst": "%s", `, net.IP(r.Src[:n]), net.IP(r.Dst[:n]))
	} else {
		fmt.Print(`"src": null, "dst": null, `)
	}
	fmt.Printf(`"l4": %s, `, l4name(r.L4))
	if r.Flags&xpPorts != 0 {
		fmt.Printf(`"sport": %d, "dport": %d, `, r.Sport, r.Dport)
	} else {
		fmt.Print(`"sport": null, "dport": null, `)
	}
	fmt.Printf(`"malformed": %t}`+"\n", r.Flags&xpMalformed != 0)
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "xdp-parse-go: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	pcap := flag.String("pcap", "", "run every packet of this pcap through the program")
	copyPath := flag.Bool("copy", false, "the 6.1 path: a LOCAL dynptr over a copy")
	flag.Parse()
	if *pcap == "" {
		fmt.Fprintln(os.Stderr, "usage: xdp-parse-go --pcap FILE [--copy]")
		os.Exit(2)
	}
	kernel, err := btf.LoadKernelSpec()
	if err != nil {
		fail("kernel BTF: %v", err)
	}
	if _, err := kernel.AnyTypeByName("bpf_dynptr_from_xdp"); err != nil {
		*copyPath = true
	}
	spec, err := ebpf.LoadCollectionSpecFromReader(bytesReader(object))
	if err != nil {
		fail("object: %v", err)
	}
	features := detectFeatures(kernel)
	if err := spec.Variables["bpfx_features"].Set(features); err != nil {
		fail("bpfx_features: %v", err)
	}
	name := "xdp_parse_dynptr"
	if *copyPath {
		name = "xdp_parse_copy"
	}
	// Load only that program: the object's others call kfuncs (the XDP
	// and skb dynptrs) this kernel may not have.
	for p := range spec.Programs {
		if p != name {
			delete(spec.Programs, p)
		}
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			fail("load: %+v", ve)
		}
		fail("load: %v", err)
	}
	defer coll.Close()
	fmt.Fprintf(os.Stderr, "xdp-parse-go: %s, bpfx_features 0x%x\n", name, features)
	rd, err := ringbuf.NewReader(coll.Maps["records"])
	if err != nil {
		fail("ringbuf: %v", err)
	}
	f, err := os.Open(*pcap)
	if err != nil {
		fail("%v", err)
	}
	hdr := make([]byte, 24)
	if _, err := io.ReadFull(f, hdr); err != nil {
		fail("%s: %v", *pcap, err)
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch binary.LittleEndian.Uint32(hdr) {
	case 0xa1b2c3d4, 0xa1b23c4d:
	case 0xd4c3b2a1, 0x4d3cb2a1:
		order = binary.BigEndian
	default:
		fail("%s is not a pcap file", *pcap)
	}
	prog := coll.Programs[name]
	rh := make([]byte, 16)
	for frame := 1; ; frame++ {
		if _, err := io.ReadFull(f, rh); err != nil {
			break
		}
		pkt := make([]byte, order.Uint32(rh[8:]))
		if _, err := io.ReadFull(f, pkt); err != nil {
			fail("%s: truncated record", *pcap)
		}
		if _, err := prog.Run(&ebpf.RunOptions{Data: pkt}); err != nil {
			fail("frame %d (%d bytes): test run: %v", frame, len(pkt), err)
		}
		rd.SetDeadline(time.Now())
		s, err := rd.Read()
		if err != nil {
			fail("frame %d: no record: %v", frame, err)
		}
		var r rec
		if _, err := binary.Decode(s.RawSample, binary.NativeEndian, &r); err != nil {
			fail("frame %d: record: %v", frame, err)
		}
		printRec(frame, &r)
	}
	var t totals
	if err := coll.Variables["totals"].Get(&t); err != nil {
		fail("totals: %v", err)
	}
	fmt.Printf(`{"packets": %d, "malformed": %d, "ipv4": %d, "ipv6": %d, "tcp": %d, "udp": %d, "icmp": %d, "icmpv6": %d}`+"\n",
		t.Packets, t.Malformed, t.Ipv4, t.Ipv6, t.Tcp, t.Udp, t.Icmp, t.Icmpv6)
}
