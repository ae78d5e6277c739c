// SPDX-License-Identifier: GPL-2.0

//! A guest's QEMU command line: machine and accelerator per arch, the kernel's command
//! line for a panicgen guest, and the devices of a restored, dumping or system guest.

use super::{
    Accel,
    SystemBoot,
    VmSpec, //
};
use crate::catalog::Arch;

/// The kernel command line for a panicgen guest.
pub fn kernel_append(arch: Arch, extra: &[String]) -> String {
    let console = match arch {
        Arch::X86_64 => "ttyS0",
        Arch::Arm64 => "ttyAMA0",
    };
    let mut words = vec![
        format!("console={console}"),
        // panic_on_oops: an oops in the faulting task panics the machine.
        "oops=panic".to_string(),
        // Reboot at once after a panic; with -no-reboot QEMU then exits.
        "panic=-1".to_string(),
        "printk.devkmsg=on".to_string(),
        // Boot time under TCG (initcall_debug): the 256 legacy BSD ptys cost 0.33-0.39 s
        // and no test uses them.
        "pty.legacy_count=0".to_string(),
    ];
    if arch == Arch::X86_64 {
        // The PS/2 mouse probe costs 0.43 s and no test has a keyboard or mouse.
        words.extend(["i8042.nokbd".to_string(), "i8042.noaux".to_string()]);
    }
    words.extend(extra.iter().cloned());
    words.join(" ")
}

/// The QEMU program, machine and panic device for `arch`.
fn machine(arch: Arch) -> (&'static str, &'static str, &'static str) {
    match arch {
        // -M pc, not q35: q35's firmware costs ~30 s under TCG.
        Arch::X86_64 => ("qemu-system-x86_64", "pc", "pvpanic"),
        Arch::Arm64 => ("qemu-system-aarch64", "virt", "pvpanic-pci"),
    }
}

/// The first line of `--version` of the QEMU that runs `arch` (empty if it does not run).
pub fn qemu_version(arch: Arch) -> String {
    std::process::Command::new(machine(arch).0)
        .arg("--version")
        .output()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout);
            text.lines().next().unwrap_or_default().to_string()
        })
        .unwrap_or_default()
}

/// The QEMU program and arguments for `spec`.
pub fn qemu_command(spec: &VmSpec) -> (String, Vec<String>) {
    let (program, machine, pvpanic) = machine(spec.arch);
    let mut args: Vec<String> = vec!["-M".into(), machine.into()];
    args.extend(accel_args(spec));
    let s = |v: &str| v.to_string();
    args.extend([
        s("-m"),
        spec.memory_mib.to_string(),
        s("-smp"),
        spec.cpus.to_string(),
        s("-nodefaults"),
        s("-display"),
        s("none"),
        s("-serial"),
        s("stdio"),
        s("-monitor"),
        s("none"),
        s("-nic"),
        s(nic(spec)),
        s("-device"),
        s(pvpanic),
        s("-action"),
        s(spec.on_panic.action()),
        s("-kernel"),
        spec.kernel.display().to_string(),
        s("-initrd"),
        spec.initramfs.display().to_string(),
        s("-append"),
        spec.system.as_ref().map_or_else(
            || kernel_append(spec.arch, &spec.extra_append),
            |sys| sys.cmdline.clone(),
        ),
    ]);
    match &spec.system {
        None if !spec.resets => args.push(s("-no-reboot")),
        None => {}
        Some(sys) => args.extend(system_devices(sys)),
    }
    if spec.vmcoreinfo {
        // The guest's fw_cfg driver writes its VMCOREINFO here; drgn needs it in the dump.
        args.extend([s("-device"), s("vmcoreinfo")]);
    }
    if let Some(sock) = &spec.qmp_socket {
        args.extend([
            s("-qmp"),
            format!("unix:{},server=on,wait=off", sock.display()),
        ]);
    }
    if let Some(state) = &spec.incoming {
        args.extend([s("-incoming"), format!("exec:cat '{}'", state.display())]);
    }
    if let Some(disk) = &spec.vmcore_disk {
        args.extend(vmcore_drive(disk));
    }
    (program.to_string(), args)
}

/// The guest's network: none for panicgen's guests; for a system, a NIC as a real machine
/// has, so that services waiting for their network (kdump-tools' capture, networkd) behave
/// as they do there: QEMU's user network, whose DHCP answers, with no route out
/// (`restrict=on`: nothing leaves QEMU).
fn nic(spec: &VmSpec) -> &'static str {
    match spec.system {
        Some(_) => "user,model=virtio-net-pci,restrict=on",
        None => "none",
    }
}

/// The accelerator, and the CPU model that goes with it.
fn accel_args(spec: &VmSpec) -> Vec<String> {
    let words: &[&str] = match (spec.accel, spec.arch) {
        (Accel::Kvm, _) => &["-accel", "kvm", "-cpu", "host"],
        // Pointer authentication with QEMU's own cheap algorithm: the architected one
        // (the default of -cpu max) costs a kernel that uses it, as Debian's does, 5 s of
        // boot under TCG.
        (Accel::Tcg, Arch::Arm64) => &["-accel", "tcg", "-cpu", "max,pauth-impdef=on"],
        (Accel::Tcg, Arch::X86_64) => &["-accel", "tcg"],
    };
    words.iter().map(|w| w.to_string()).collect()
}

/// The vmcore disk the capture kernel writes to. A host write error (a full disk) reaches
/// the capture kernel, which reports it, instead of pausing the guest until the time limit.
fn vmcore_drive(disk: &std::path::Path) -> [String; 4] {
    [
        "-drive".into(),
        format!(
            "file={},format=raw,if=none,id=vmcore,werror=report,rerror=report",
            disk.display()
        ),
        "-device".into(),
        "virtio-blk-pci,drive=vmcore".into(),
    ]
}

/// A system's root disk, its guest agent's port and its driver's QMP socket.
fn system_devices(sys: &SystemBoot) -> Vec<String> {
    [
        "-drive".to_string(),
        format!("file={},format=qcow2,if=none,id=root", sys.disk.display()),
        "-device".into(),
        "virtio-blk-pci,drive=root".into(),
        "-chardev".into(),
        format!(
            "socket,path={},server=on,wait=off,id=qga",
            sys.agent.display()
        ),
        "-device".into(),
        "virtio-serial-pci".into(),
        "-device".into(),
        "virtserialport,chardev=qga,name=org.qemu.guest_agent.0".into(),
        "-qmp".into(),
        format!("unix:{},server=on,wait=off", sys.control.display()),
    ]
    .to_vec()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::exec::vm::OnPanic;

    fn spec(arch: Arch, accel: Accel) -> VmSpec {
        let words = vec!["pg_fault=BUG".into()];
        VmSpec::new(
            arch,
            "/k".into(),
            "/i".into(),
            accel,
            words,
            512,
            Duration::from_secs(5),
        )
    }

    fn has_pair(args: &[String], a: &str, b: &str) -> bool {
        args.windows(2).any(|w| w[0] == a && w[1] == b)
    }

    #[test]
    fn x86_64_uses_pc_and_isa_pvpanic() {
        let (prog, args) = qemu_command(&spec(Arch::X86_64, Accel::Tcg));
        assert_eq!(prog, "qemu-system-x86_64");
        assert!(has_pair(&args, "-M", "pc"));
        assert!(has_pair(&args, "-device", "pvpanic"));
        assert!(has_pair(&args, "-action", "panic=exit-failure"));
        assert!(args.contains(&"-no-reboot".to_string()));
        let append = &args[args.iter().position(|a| a == "-append").unwrap() + 1];
        assert!(append.contains("console=ttyS0"));
        assert!(append.contains("oops=panic"));
        assert!(append.contains("pty.legacy_count=0 i8042.nokbd i8042.noaux"));
        assert!(append.ends_with("pg_fault=BUG"));
    }

    #[test]
    fn arm64_uses_virt_cpu_max_and_pci_pvpanic() {
        let (prog, args) = qemu_command(&spec(Arch::Arm64, Accel::Tcg));
        assert_eq!(prog, "qemu-system-aarch64");
        assert!(has_pair(&args, "-M", "virt"));
        assert!(has_pair(&args, "-cpu", "max,pauth-impdef=on"));
        assert!(has_pair(&args, "-device", "pvpanic-pci"));
        let append = &args[args.iter().position(|a| a == "-append").unwrap() + 1];
        assert!(append.contains("console=ttyAMA0"));
        assert!(!append.contains("i8042"));
    }

    #[test]
    fn kdump_runs_get_a_disk_and_survive_the_first_panic() {
        let mut sp = spec(Arch::Arm64, Accel::Tcg);
        sp.vmcore_disk = Some("/d/disk".into());
        sp.on_panic = OnPanic::Continue;
        let (_, args) = qemu_command(&sp);
        assert!(has_pair(&args, "-action", "panic=none"));
        assert!(has_pair(&args, "-device", "virtio-blk-pci,drive=vmcore"));
        assert!(has_pair(
            &args,
            "-drive",
            "file=/d/disk,format=raw,if=none,id=vmcore,werror=report,rerror=report"
        ));
    }

    #[test]
    fn a_saved_guest_restores_with_qmp_and_input() {
        let mut sp = spec(Arch::X86_64, Accel::Tcg);
        sp.incoming = Some("/s/state".into());
        sp.qmp_socket = Some("/tmp/q.qmp".into());
        sp.on_panic = OnPanic::Pause;
        sp.vmcoreinfo = true;
        let (_, args) = qemu_command(&sp);
        assert!(has_pair(&args, "-incoming", "exec:cat '/s/state'"));
        assert!(has_pair(
            &args,
            "-qmp",
            "unix:/tmp/q.qmp,server=on,wait=off"
        ));
        assert!(has_pair(&args, "-action", "panic=pause"));
        assert!(has_pair(&args, "-device", "vmcoreinfo"));
        let (_, plain) = qemu_command(&spec(Arch::X86_64, Accel::Tcg));
        assert!(!plain
            .iter()
            .any(|a| a == "-incoming" || a == "-qmp" || a == "vmcoreinfo"));
    }

    #[test]
    fn only_a_system_has_a_network_and_it_leads_nowhere() {
        let (_, plain) = qemu_command(&spec(Arch::X86_64, Accel::Tcg));
        assert!(has_pair(&plain, "-nic", "none"));
        let mut sp = spec(Arch::Arm64, Accel::Tcg);
        sp.system = Some(SystemBoot {
            disk: "/d/system.qcow2".into(),
            cmdline: "root=LABEL=debian-root ro console=ttyAMA0".into(),
            agent: "/tmp/a.sock".into(),
            control: "/tmp/c.qmp".into(),
        });
        let (_, args) = qemu_command(&sp);
        assert!(has_pair(
            &args,
            "-nic",
            "user,model=virtio-net-pci,restrict=on"
        ));
        assert!(!has_pair(&args, "-nic", "none"));
    }

    #[test]
    fn kvm_uses_the_host_cpu() {
        let (_, args) = qemu_command(&spec(Arch::X86_64, Accel::Kvm));
        assert!(has_pair(&args, "-accel", "kvm"));
        assert!(has_pair(&args, "-cpu", "host"));
    }
}
