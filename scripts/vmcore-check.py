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
  survey     what a filtered dump kept: "tasks" walked, how many of their
             stacks "unwound" without an error, the "errors" (message: count),
             and "task_list", the error that cut the walk of the task list short
             ("" when it was walked to the end)
Each frame is {"function": DWARF name or "", "symbol": ELF symbol or "",
"pc": hex, "interrupted": whether an interrupt or exception came in on it}; where
unwinding stops at a pc in no function (a call into data or to NULL), it goes
on from the caller's registers (the return address), and the caller's frame is
marked "inferred". The runner, not this script, decides what passes: it applies the
catalog's expectations to these facts. Exit status 0 when the dump could be
read, 1 with a message on stderr otherwise.
"""

import json
import sys

import drgn
from drgn.helpers.linux.kallsyms import load_module_kallsyms
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.sched import task_cpu
from drgn.helpers.linux.printk import get_printk_records


# The callee-saved registers an unwinder may need to go on from a return address, per arch
# (drgn's register name, struct pt_regs member).
X86_64_CALLEE_SAVED = [("rbp", "bp"), ("rbx", "bx"), ("r12", "r12"), ("r13", "r13"),
                       ("r14", "r14"), ("r15", "r15")]


def caller_regs(prog, frame):
    """The registers of the caller of a frame whose pc is in no function (a call into data or
    to NULL), as a struct pt_regs: it was called, so its return address is in the link
    register (arm64) or on top of the stack (x86_64), and its stack and callee-saved registers
    are as the call left them. The kernel's own oops names the caller the same way. None when
    the registers do not say."""
    regs = frame.registers()
    if "x30" in regs:  # arm64: blr left the return address in x30, sp unchanged
        value = {"pc": regs["x30"], "sp": regs.get("sp", 0),
                 "regs": [regs.get(f"x{i}", 0) for i in range(31)]}
    elif "rsp" in regs:  # x86_64: call pushed the return address
        try:
            ret = prog.read_u64(regs["rsp"])
        except drgn.FaultError:
            return None
        value = {"ip": ret, "sp": regs["rsp"] + 8}
        value.update({member: regs[reg] for reg, member in X86_64_CALLEE_SAVED if reg in regs})
    else:
        return None
    return drgn.Object(prog, "struct pt_regs", value=value)


def frame_entry(frame, pc, symbol, **extra):
    entry = {
        "function": frame.name or "",
        "symbol": symbol.name if symbol else "",
        "pc": hex(pc),
        "interrupted": bool(frame.interrupted),
    }
    entry.update(extra)
    return entry


def frames(prog, trace, inferred=False):
    """The frames of trace; inferred: trace was taken from a caller's registers, which is
    done once (a smashed stack would otherwise send it on from garbage for ever)."""
    out = []
    continued = inferred
    for frame in trace:
        try:
            pc = frame.pc
        except (LookupError, drgn.FaultError):
            pc = 0
        try:
            symbol = frame.symbol()
        except LookupError:
            symbol = None
        if inferred:
            # The first frame of a trace taken from a caller's registers.
            out.append(frame_entry(frame, pc, symbol, inferred=True))
            inferred = False
            continue
        out.append(frame_entry(frame, pc, symbol))
        in_data = symbol is not None and symbol.kind == drgn.SymbolKind.OBJECT
        if in_data or (symbol is None and pc < 4096):
            # The pc is in no function (a call into data or to NULL): what the unwinder
            # finds beyond it is guesswork. Go on from the caller's registers instead.
            regs = None if continued else caller_regs(prog, frame)
            if regs is not None:
                try:
                    out.extend(frames(prog, prog.stack_trace(regs), inferred=True))
                except Exception:  # noqa: BLE001 - the frames so far still count
                    pass
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
    # Modules without debug info here (a distribution kernel's virtio_blk) still name
    # their functions: from the kallsyms each module keeps in memory.
    try:
        prog.register_symbol_finder("module_kallsyms", load_module_kallsyms(prog), enable_index=-1)
    except Exception as e:  # noqa: BLE001 - the frames then show addresses
        sys.stderr.write(f"drgn: no module kallsyms: {e}\n")
    try:
        release = prog["init_uts_ns"].name.release.string_().decode()
    except (LookupError, drgn.FaultError) as e:
        sys.stderr.write(f"drgn cannot read the kernel in {vmcore} with {vmlinux}: {e}\n")
        return 1
    result = {
        "release": release,
        "dmesg": [r.text.decode(errors="replace") for r in get_printk_records(prog)],
    }
    # A filter can lose the crashed thread's task_struct: that is a result (the stack
    # check fails on it), and the rest of the dump is still read.
    try:
        crashed = prog.crashed_thread()
        crashed_tid = crashed.tid
        result["crashed"] = thread_info(prog, crashed)
    except (drgn.FaultError, LookupError, ValueError) as e:
        crashed_tid = None
        result["crashed"] = {"pid": 0, "comm": "", "cpu": -1, "frames": [],
                             "error": f"cannot read the crashed thread: {e}"}
    tasks = []
    survey = {"tasks": 0, "unwound": 0, "errors": {}, "task_list": ""}
    try:
        for task in for_each_task(prog):
            pid = int(task.pid)
            survey["tasks"] += 1
            info = thread_info(prog, prog.thread(pid)) if pid else None
            if info is None or not info["error"]:
                survey["unwound"] += 1
            else:
                survey["errors"][info["error"]] = survey["errors"].get(info["error"], 0) + 1
            if pid != crashed_tid and info and any("panicgen" in f["symbol"] for f in info["frames"]):
                tasks.append(info)
    except (drgn.FaultError, LookupError, ValueError) as e:
        survey["task_list"] = str(e)
    result["tasks"] = tasks
    result["survey"] = survey
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
