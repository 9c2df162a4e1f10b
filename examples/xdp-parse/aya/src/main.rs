// SPDX-License-Identifier: GPL-2.0
//! xdp-parse-aya OBJECT: try to load xdp-parse's object with aya and print
//! what aya says. aya 0.13 (Debian sid) stops at the object's `.ksyms`
//! section, where clang puts the extern kfunc declarations (bpfx's and the
//! kernel's): aya-obj cannot size it, so no program that calls a kfunc
//! loads, module or not. The day it loads, this prints "loaded" for each
//! program and tests/examples.sh asks for a real aya loader.
use aya::programs::Xdp;
use aya::EbpfLoader;

fn main() {
    let path = std::env::args().nth(1).expect("usage: xdp-parse-aya OBJECT");
    let data = std::fs::read(&path).expect("cannot read the object");
    match EbpfLoader::new().load(&data) {
        Ok(mut bpf) => {
            for name in ["xdp_parse_copy", "xdp_parse_dynptr"] {
                let p: &mut Xdp = bpf.program_mut(name).unwrap().try_into().unwrap();
                match p.load() {
                    Ok(()) => println!("aya: {name}: loaded"),
                    Err(e) => println!("aya: {name}: {e:?}"),
                }
            }
        }
        Err(e) => println!("aya: load: {e} ({e:?})"),
    }
}
