#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read what the panicgen runner checks out of a vmcore, with drgn.

    vmcore-check.py VMCORE VMLINUX MODULE.ko

Prints one JSON object on stdout:
  release    the dumped kernel's release (from vmcoreinfo)
  dmesg      the kernel log held in the dump, one string per record
  crashed    the crashing thread: pid, comm, cpu and its stack frames
  tasks      every other task whose stack has a panicgen frame (a hung task,
             the CPU a lockup detector caught), same shape
Each frame is {"function": DWARF name or "", "symbol": ELF symbol or "",
"pc": hex}; where unwinding stops at a pc in no function (a call into data or
to NULL), one more frame, marked "inferred", names the caller from the return
address. The runner, not this script, decides what passes: it applies the
catalog's expectations to these facts. Exit status 0 when the dump could be
read, 1 with a message on stderr otherwise.
"""

import json
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.sched import task_cpu
from drgn.helpers.linux.printk import get_printk_records


def symbol_at(prog, pc):
    try:
        return prog.symbol(pc).name
    except LookupError:
        return ""


def caller_of_unknown_pc(prog, frame):
    """The return address of a frame whose pc is in no function (a jump into data or to
    NULL): it was called, so the caller's address is in the link register (arm64) or on
    top of the stack (x86_64). The kernel's own oops prints it the same way."""
    regs = frame.registers()
    if "x30" in regs:
        return regs["x30"]
    if "rsp" in regs:
        try:
            return prog.read_u64(regs["rsp"])
        except drgn.FaultError:
            return None
    return None


def frames(prog, trace):
    out = []
    for frame in trace:
        try:
            pc = frame.pc
        except (LookupError, drgn.FaultError):
            pc = 0
        try:
            symbol = frame.symbol()
        except LookupError:
            symbol = None
        out.append(
            {"function": frame.name or "", "symbol": symbol.name if symbol else "", "pc": hex(pc)}
        )
        in_data = symbol is not None and symbol.kind == drgn.SymbolKind.OBJECT
        if in_data or (symbol is None and pc < 4096):
            # The pc is in no function (a call into data or to NULL): what the unwinder
            # finds beyond it is guesswork. Name the caller from the return address.
            ret = caller_of_unknown_pc(prog, frame)
            if ret:
                out.append(
                    {"function": "", "symbol": symbol_at(prog, ret), "pc": hex(ret), "inferred": True}
                )
            break
    return out


def thread_info(prog, thread):
    task = thread.object
    try:
        trace = frames(prog, thread.stack_trace())
        error = ""
    except Exception as e:  # noqa: BLE001 - an unwinding error is a result too
        trace, error = [], str(e)
    return {
        "pid": thread.tid,
        "comm": task.comm.string_().decode(errors="replace"),
        "cpu": int(task_cpu(task)),
        "frames": trace,
        "error": error,
    }


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    vmcore, vmlinux, module = argv[1:]
    prog = drgn.Program()
    try:
        prog.set_core_dump(vmcore)
    except Exception as e:  # noqa: BLE001
        sys.stderr.write(f"drgn cannot open {vmcore}: {e}\n")
        return 1
    try:
        prog.load_debug_info([vmlinux, module])
    except drgn.MissingDebugInfoError as e:
        # Only the kernel's and panicgen's debug info matter; the stacks show
        # whether panicgen's resolved.
        sys.stderr.write(f"drgn: {e}\n")
    try:
        release = prog["init_uts_ns"].name.release.string_().decode()
    except (LookupError, drgn.FaultError) as e:
        sys.stderr.write(f"drgn cannot read the kernel in {vmcore} with {vmlinux}: {e}\n")
        return 1
    result = {
        "release": release,
        "dmesg": [r.text.decode(errors="replace") for r in get_printk_records(prog)],
    }
    crashed = prog.crashed_thread()
    result["crashed"] = thread_info(prog, crashed)
    tasks = []
    for task in for_each_task(prog):
        pid = int(task.pid)
        if pid == crashed.tid:
            continue
        info = thread_info(prog, prog.thread(pid)) if pid else None
        if info and any("panicgen" in f["symbol"] for f in info["frames"]):
            tasks.append(info)
    result["tasks"] = tasks
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
