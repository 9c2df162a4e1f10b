// SPDX-License-Identifier: GPL-2.0
//! xdp-parse-rs: the xdp-parse loader in Rust with libbpf-rs, same object
//! and same output as the C loader (../xdp_parse.c):
//!
//!     xdp-parse-rs --pcap FILE [--copy]
//!
//! The object is embedded at build time (XDP_PARSE_OBJ). Feature detection
//! is include/bpfx_features.h's bpfx_detect_features(), ported to libbpf's
//! own BTF calls (libbpf-rs re-exports libbpf-sys).

use std::cell::RefCell;
use std::ffi::CString;
use std::fs;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::process::exit;
use std::rc::Rc;

use libbpf_rs::libbpf_sys as sys;
use libbpf_rs::{MapCore, MapFlags, ObjectBuilder, RingBufferBuilder};

static OBJECT: &[u8] = include_bytes!(env!("XDP_PARSE_OBJ"));

// include/bpfx_flags.h
const BPFX_F_NATIVE_DYNPTR: u32 = 1 << 0;
const BPFX_F_ITER: u32 = 1 << 1;
const BPFX_F_IMPLICIT: u32 = 1 << 2;

fn has_func(btf: *const sys::btf, name: &str) -> bool {
    let c = CString::new(name).unwrap();
    !btf.is_null() && unsafe { sys::btf__find_by_name_kind(btf, c.as_ptr(), sys::BTF_KIND_FUNC) } > 0
}

/// bpfx_detect_features(): kernel BTF only. libbpf-rs links the system
/// libbpf (1.7 in sid), which resolves the ___bpfx flavour names of the
/// natives, so the natives bit is set where the kernel has them (6.5+).
fn detect_features() -> (u32, bool) {
    let mut f = 0;
    unsafe {
        let vmlinux = sys::btf__load_vmlinux_btf();
        if vmlinux.is_null() {
            return (0, false);
        }
        if has_func(vmlinux, "bpf_dynptr_adjust") && has_func(vmlinux, "bpf_dynptr_clone") {
            f |= BPFX_F_NATIVE_DYNPTR;
        }
        let xdp = has_func(vmlinux, "bpf_dynptr_from_xdp");
        let name = CString::new("bpfx").unwrap();
        let m = sys::btf__load_module_btf(name.as_ptr(), vmlinux);
        if !m.is_null() {
            if has_func(m, "bpf_iter_bpfx_dynptr_new") {
                f |= BPFX_F_ITER;
            }
            if has_func(m, "bpfx_prog_id") {
                f |= BPFX_F_IMPLICIT;
            }
            sys::btf__free(m);
        }
        sys::btf__free(vmlinux);
        (f, xdp)
    }
}

fn die(msg: String) -> ! {
    eprintln!("xdp-parse-rs: {}", msg);
    exit(1)
}

fn print_rec(frame: usize, r: &[u8]) {
    // struct xp_rec of ../xdp_parse.h
    let u16_at = |o: usize| u16::from_ne_bytes([r[o], r[o + 1]]);
    let (nvlan, l3, l4, flags) = (r[8] as usize, r[9], r[10], r[11]);
    let vlans: Vec<String> = (0..nvlan.min(4)).map(|i| u16_at(2 * i).to_string()).collect();
    let l3s = match l3 { 4 => "\"ipv4\"", 6 => "\"ipv6\"", _ => "null" };
    let addr = |o: usize| -> String {
        if l3 == 6 {
            let mut a = [0u8; 16];
            a.copy_from_slice(&r[o..o + 16]);
            Ipv6Addr::from(a).to_string()
        } else {
            Ipv4Addr::new(r[o], r[o + 1], r[o + 2], r[o + 3]).to_string()
        }
    };
    let (src, dst) = if flags & 2 != 0 {
        (format!("\"{}\"", addr(12)), format!("\"{}\"", addr(28)))
    } else {
        ("null".into(), "null".into())
    };
    let l4s = match l4 { 6 => "\"tcp\"", 17 => "\"udp\"", 1 => "\"icmp\"", 58 => "\"icmpv6\"", _ => "null" };
    let (sp, dp) = if flags & 4 != 0 {
        (u16_at(44).to_string(), u16_at(46).to_string())
    } else {
        ("null".into(), "null".into())
    };
    println!(
        "{{\"frame\": {}, \"vlan\": [{}], \"l3\": {}, \"src\": {}, \"dst\": {}, \"l4\": {}, \"sport\": {}, \"dport\": {}, \"malformed\": {}}}",
        frame, vlans.join(", "), l3s, src, dst, l4s, sp, dp, flags & 1 != 0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut pcap = None;
    let mut copy = false;
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--pcap" if i + 1 < args.len() => { pcap = Some(args[i + 1].clone()); i += 1; }
            "--copy" => copy = true,
            _ => { eprintln!("usage: xdp-parse-rs --pcap FILE [--copy]"); exit(2) }
        }
        i += 1;
    }
    let pcap = pcap.unwrap_or_else(|| { eprintln!("usage: xdp-parse-rs --pcap FILE [--copy]"); exit(2) });
    let (features, xdp) = detect_features();
    copy |= !xdp;
    let name = if copy { "xdp_parse_copy" } else { "xdp_parse_dynptr" };

    let mut open = ObjectBuilder::default().open_memory(OBJECT).unwrap_or_else(|e| die(format!("open: {e}")));
    for mut m in open.maps_mut() {
        if m.name().to_string_lossy().ends_with(".rodata") {
            // bpfx_features is the only variable in .rodata (offset 0).
            let v = m.initial_value_mut().unwrap_or_else(|| die("no .rodata".into()));
            v[..4].copy_from_slice(&features.to_ne_bytes());
        }
    }
    // Load only that program: the object's others call kfuncs (the XDP and
    // skb dynptrs) this kernel may not have.
    for mut p in open.progs_mut() {
        if p.name() != name {
            p.set_autoload(false);
        }
    }
    let obj = open.load().unwrap_or_else(|e| die(format!("load: {e:#}")));
    eprintln!("xdp-parse-rs: {}, bpfx_features 0x{:x}", name, features);
    let prog = obj.progs_mut().find(|p| p.name() == name).unwrap();
    let records = obj.maps().find(|m| m.name() == "records").unwrap();
    let got: Rc<RefCell<Vec<Vec<u8>>>> = Rc::new(RefCell::new(Vec::new()));
    let sink = got.clone();
    let mut rbb = RingBufferBuilder::new();
    rbb.add(&records, move |d: &[u8]| { sink.borrow_mut().push(d.to_vec()); 0 })
        .unwrap_or_else(|e| die(format!("ringbuf: {e}")));
    let rb = rbb.build().unwrap_or_else(|e| die(format!("ringbuf: {e}")));

    let data = fs::read(&pcap).unwrap_or_else(|e| die(format!("{pcap}: {e}")));
    if data.len() < 24 {
        die(format!("{pcap} is not a pcap file"));
    }
    let magic = u32::from_le_bytes(data[0..4].try_into().unwrap());
    let be = match magic {
        0xa1b2c3d4 | 0xa1b23c4d => false,
        0xd4c3b2a1 | 0x4d3cb2a1 => true,
        _ => die(format!("{pcap} is not a pcap file")),
    };
    let (mut off, mut frame) = (24usize, 0usize);
    while off + 16 <= data.len() {
        let b: [u8; 4] = data[off + 8..off + 12].try_into().unwrap();
        let caplen = if be { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) } as usize;
        off += 16;
        if off + caplen > data.len() {
            die(format!("{pcap}: truncated record"));
        }
        frame += 1;
        let mut input = libbpf_rs::ProgramInput::default();
        input.data_in = Some(&data[off..off + caplen]);
        prog.test_run(input).unwrap_or_else(|e| die(format!("frame {frame} ({caplen} bytes): test run: {e}")));
        rb.consume().unwrap_or_else(|e| die(format!("ringbuf: {e}")));
        let r = got.borrow_mut().pop().unwrap_or_else(|| die(format!("frame {frame}: no record")));
        print_rec(frame, &r);
        off += caplen;
    }
    let bss = obj.maps().find(|m| m.name().to_string_lossy().ends_with(".bss")).unwrap();
    let t = bss.lookup(&0u32.to_ne_bytes(), MapFlags::ANY).ok().flatten().unwrap_or_else(|| die("no .bss".into()));
    let c = |i: usize| u64::from_ne_bytes(t[8 * i..8 * i + 8].try_into().unwrap());
    println!(
        "{{\"packets\": {}, \"malformed\": {}, \"ipv4\": {}, \"ipv6\": {}, \"tcp\": {}, \"udp\": {}, \"icmp\": {}, \"icmpv6\": {}}}",
        c(0), c(1), c(2), c(3), c(4), c(5), c(6), c(7)
    );
}
