// SPDX-License-Identifier: GPL-2.0

//! `run`'s arguments checked into its [`Options`]: each one's rules, and the values derived
//! from them.

use super::*;

impl RunArgs {
    pub fn validate(self) -> Result<Options, String> {
        let suite = self.suite();
        let faults = self.faults(suite)?;
        let verifier = self.verifier(suite)?;
        let points = self.points()?;
        self.check_dump_levels()?;
        self.check_kinds()?;
        self.check_system()?;
        let costs = self.costs()?;
        let kconfig = self
            .kconfig
            .as_deref()
            .map(crate::exec::read_kernel_config)
            .transpose()?;
        self.check_pstore(kconfig.as_ref())?;
        let crash = self.crash()?;
        Ok(Options {
            arch: self.arch,
            kernel: self.kernel,
            initramfs: self.initramfs,
            out: self.out,
            timeout: Duration::from_secs(self.timeout),
            console_limit: usize::try_from(self.console_limit_kib.saturating_mul(1024))
                .unwrap_or(usize::MAX),
            accel: match self.accel {
                AccelArg::Auto => None,
                AccelArg::Tcg => Some(Accel::Tcg),
                AccelArg::Kvm => Some(Accel::Kvm),
            },
            // The selftest belongs to the matrix once: to its first shard.
            // (A system runs the fault matrix only: its selftest is installed with it.)
            selftest: (!self.no_selftest
                && suite == Suite::Panicgen
                && self.system.is_none()
                && self.shard.is_none_or(|s| s.index == 1))
            .then_some(self.selftest),
            kselftest: self.kselftest,
            suite,
            faults,
            contexts: self.contexts,
            fatal_reports: self.fatal_reports,
            boot_args: self.boot_args,
            kinds: self.kinds,
            runs: self.runs,
            jobs: self
                .jobs
                .map(|j| j as usize)
                .unwrap_or_else(|| thread::available_parallelism().map_or(1, usize::from)),
            dump: self.dump,
            verifier,
            dump_tools: self.dump_tools,
            crash,
            crash_dumps: self.crash_dumps,
            crashkernel: (self.crashkernel != "none").then_some(self.crashkernel),
            post_notifiers: !self.no_post_notifiers,
            dump_contexts: self.dump_contexts,
            points,
            dump_level: self.dump_level,
            dump_levels: self.dump_levels,
            snapshot: !self.no_snapshot,
            keep_passed_vmcores: self.keep_vmcores == KeepVmcores::All,
            shard: self.shard,
            costs,
            kconfig,
            target: self.target,
            makedump_args: self.makedump_args,
            system_cache: self.system_cache,
            system_limits: SystemLimits {
                capture: Duration::from_secs(self.capture_timeout),
                reboot: Duration::from_secs(self.reboot_timeout),
            },
            system: self.system.map(|disk| SystemImage {
                disk,
                cmdline: self.system_cmdline.unwrap_or_default(),
            }),
        })
    }

    /// A pstore run needs a kernel with ramoops.
    fn check_pstore(
        &self,
        kconfig: Option<&crate::model::kconfig::KernelConfig>,
    ) -> Result<(), String> {
        match (self.dump, kconfig, self.kconfig.as_deref()) {
            (DumpMode::Pstore, Some(k), Some(path)) if !k.has("CONFIG_PSTORE_RAM") => Err(format!(
                "--dump pstore needs a kernel with CONFIG_PSTORE_RAM (ramoops), which {} \
                     does not set: use --dump kdump or qmp, or build the kernel with it",
                path.display()
            )),
            _ => Ok(()),
        }
    }

    /// crash, for runs whose dumps drgn reads.
    fn crash(&self) -> Result<Option<crate::exec::crash::Crash>, String> {
        match (&self.crash_root, self.dump) {
            (Some(root), DumpMode::Kdump | DumpMode::Qmp) => {
                crate::exec::crash::Crash::find(root, &self.crash_program).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// A system run captures with the system's kdump service, and only a system run does;
    /// the post-notifiers are panicgen's kdump guests' setting.
    fn check_system(&self) -> Result<(), String> {
        if self.no_post_notifiers && self.dump != DumpMode::Kdump {
            return Err("--no-post-notifiers is a kdump guest's setting: add --dump kdump".into());
        }
        match (&self.system, self.dump) {
            (Some(_), DumpMode::KdumpTools | DumpMode::None) => Ok(()),
            (Some(_), DumpMode::Pstore) => Err("--system runs check the system's own pstore \
                                                 records with --dump kdump-tools"
                .into()),
            (Some(_), _) => Err("--system runs capture with the system's own kdump service:                                  --dump kdump-tools (or none)"
                .into()),
            (None, DumpMode::KdumpTools) => {
                Err("--dump kdump-tools needs --system (a system with kdump-tools)".into())
            }
            (None, _) => Ok(()),
        }
    }

    /// Every `--kinds` name is a kind some report of the catalog has.
    fn check_kinds(&self) -> Result<(), String> {
        let known: Vec<&str> = catalog::FAULTS
            .iter()
            .flat_map(|f| std::iter::once(f.kind).chain(f.alternatives().map(|a| a.kind)))
            .map(|k| k.name())
            .collect();
        match self
            .kinds
            .iter()
            .flatten()
            .find(|k| !known.contains(&k.as_str()))
        {
            Some(k) => Err(format!(
                "--kinds: no report of the catalog is of kind '{k}'"
            )),
            None => Ok(()),
        }
    }

    /// The faults asked for (all of the suite's when none), in catalog order.
    /// Whose faults run: LKDTM's (`--lkdtm`) or panicgen's.
    fn suite(&self) -> Suite {
        if self.lkdtm {
            Suite::Lkdtm
        } else {
            Suite::Panicgen
        }
    }

    fn faults(&self, suite: Suite) -> Result<Vec<&'static Fault>, String> {
        let mut faults = Vec::new();
        for name in &self.faults {
            faults.push(match suite {
                Suite::Lkdtm => {
                    &lkdtm::find(name)
                        .ok_or_else(|| {
                            format!("'{name}' is not one of the benchmark's LKDTM tests")
                        })?
                        .fault
                }
                // The module's own parser: the runner accepts exactly what the trigger does.
                Suite::Panicgen => {
                    catalog::parse(name.as_bytes())
                        .map_err(|e| {
                            format!("fault '{name}': {e} (panicgen-runner list shows them)")
                        })?
                        .fault
                }
            });
        }
        // The matrix is in catalog order whatever the order asked in, so that a merge of its
        // shards (which sorts by catalog order) equals it.
        if suite == Suite::Panicgen {
            faults.sort_by_key(|f| plan::order_key(f.name, Context::Process.name()));
            faults.dedup_by_key(|f| f.name);
        }
        if faults.is_empty() {
            faults = match suite {
                Suite::Lkdtm => lkdtm::PEERS.iter().map(|p| &p.fault).collect(),
                Suite::Panicgen => catalog::FAULTS.iter().collect(),
            };
        }
        Ok(faults)
    }

    /// drgn and the debug info it reads, for runs that take dumps.
    fn verifier(&self, suite: Suite) -> Result<Option<Verifier>, String> {
        match (self.dump, &self.vmlinux, &self.module) {
            // A pstore run's record is read off its console.
            (DumpMode::None | DumpMode::Pstore, _, _) => Ok(None),
            _ if suite == Suite::Lkdtm => Err(
                "--lkdtm runs take no dumps (the dump checks look for panicgen's frames)".into(),
            ),
            (_, Some(vmlinux), Some(module)) => Ok(Some(Verifier {
                python: env::var_os("DRGN_PYTHON").map(PathBuf::from).ok_or(
                    "--dump needs drgn: DRGN_PYTHON is not set (scripts/runner.sh sets it after \
                     'make setup')",
                )?,
                script: env::var_os("PANICGEN_ROOT")
                    .map(|r| PathBuf::from(r).join("scripts/vmcore-check.py"))
                    .ok_or("--dump needs PANICGEN_ROOT (scripts/runner.sh sets it)")?,
                vmlinux: vmlinux.clone(),
                module: module.clone(),
            })),
            _ => Err("--dump needs --vmlinux and --module (the debug info drgn reads)".into()),
        }
    }

    /// The crash points asked for (`all`: every one).
    fn points(&self) -> Result<Vec<&'static CrashPoint>, String> {
        if !self.points.is_empty() && self.dump != DumpMode::Kdump {
            return Err(
                "--points needs --dump kdump: the crash points' workloads read the \
                        vmcore disk, and each dump must show the hooked function"
                    .into(),
            );
        }
        Ok(if self.points.iter().any(|p| p == "all") {
            catalog::POINTS.iter().collect()
        } else {
            self.points
                .iter()
                .filter_map(|p| catalog::find_point(p))
                .collect()
        })
    }

    fn check_dump_levels(&self) -> Result<(), String> {
        if !self.dump_levels.is_empty() && self.dump != DumpMode::Kdump {
            return Err("--dump-levels needs --dump kdump (the capture kernel saves them)".into());
        }
        if self.dump_levels.len() as u64 >= vmcore_disk::SLOTS {
            return Err(format!(
                "--dump-levels: at most {} levels (the vmcore disk's slots)",
                vmcore_disk::SLOTS - 1
            ));
        }
        Ok(())
    }

    /// What each run costs, for the shards: measured (`--costs`) or estimated.
    fn costs(&self) -> Result<Costs, String> {
        Ok(Costs {
            measured: match &self.costs {
                None => HashMap::new(),
                Some(p) => crate::output::json::read(p)?
                    .results
                    .iter()
                    .map(|r| (r.name(), r.duration_s))
                    .collect(),
            },
            dumps: self.dump != DumpMode::None,
        })
    }
}
