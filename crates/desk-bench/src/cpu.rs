//! Who used the machine's cores during a measurement: this load generator, the server, and
//! everything else, from `/proc` (Linux only; elsewhere nothing is reported).
//!
//! The load generator runs on the same cores as the server, so a throughput ratio is only as
//! honest as the share of the cores each side had: a lookup that costs the server more CPU
//! leaves the generator less to take, and another session compiling beside the run takes from
//! both. A [`Snapshot`] at the start of the measured window and one at its end give each side's
//! CPU time over the wall time, as a share of all cores ([`Shares`]).

use std::time::Instant;

/// CPU time counters at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    at: Instant,
    /// This process's user + system time, in clock ticks.
    own: Option<u64>,
    /// The server's, when its process id is known.
    server: Option<u64>,
    /// All cores' busy and total time since boot (`/proc/stat`), in clock ticks.
    machine: Option<(u64, u64)>,
}

/// Shares of the machine's cores over a window, each from 0 to 1 (1 = every core all the time).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Shares {
    /// This load generator's.
    pub generator: f64,
    /// The server's, when its process id was given.
    pub server: Option<f64>,
    /// Everything else that ran (other processes, the kernel's own work not charged to these
    /// two), when `/proc/stat` could be read.
    pub other: Option<f64>,
    /// The server's CPU seconds in the window (to divide by the requests it answered).
    pub server_secs: Option<f64>,
}

/// Clock ticks per second of `/proc`'s counters.
fn ticks_per_sec() -> f64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK) {
        Ok(Some(hz)) if hz > 0 => hz as f64,
        // USER_HZ is 100 on every Linux build the project runs on.
        _ => 100.0,
    }
}

fn cores() -> f64 {
    std::thread::available_parallelism().map_or(1, |n| n.get()) as f64
}

/// User + system ticks of process `pid` (`self` for this one), all its threads.
fn process_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command in parentheses (which may hold spaces): state is field 3, utime 14,
    // stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// All cores' busy and total ticks: the `cpu` line of `/proc/stat`, idle and iowait not busy.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let total: u64 = values.iter().sum();
    let idle = values.get(3)? + values.get(4)?;
    Some((total - idle, total))
}

impl Snapshot {
    /// The counters now; `servers` are the server's process ids (several replicas: their sum),
    /// none when not known.
    pub fn take(servers: &[u32]) -> Self {
        let server = (!servers.is_empty())
            .then(|| {
                servers
                    .iter()
                    .map(|pid| process_ticks(&pid.to_string()))
                    .sum::<Option<u64>>()
            })
            .flatten();
        Self {
            at: Instant::now(),
            own: process_ticks("self"),
            server,
            machine: machine_ticks(),
        }
    }

    /// The shares from this snapshot to `later`; `None` when this process's time could not be
    /// read (not Linux).
    pub fn shares_until(&self, later: &Snapshot) -> Option<Shares> {
        let wall = later.at.duration_since(self.at).as_secs_f64();
        if wall <= 0.0 {
            return None;
        }
        let hz = ticks_per_sec();
        let capacity = wall * cores();
        let secs = |a: Option<u64>, b: Option<u64>| Some(b?.saturating_sub(a?) as f64 / hz);
        let generator = secs(self.own, later.own)? / capacity;
        let server_secs = secs(self.server, later.server);
        let server = server_secs.map(|s| s / capacity);
        let other = match (self.machine, later.machine) {
            (Some((busy0, total0)), Some((busy1, total1))) if total1 > total0 => {
                let busy = (busy1 - busy0) as f64 / (total1 - total0) as f64;
                Some((busy - generator - server.unwrap_or(0.0)).max(0.0))
            }
            _ => None,
        };
        Some(Shares {
            generator,
            server,
            other,
            server_secs,
        })
    }
}

impl Shares {
    /// The shares over several windows together, from each window's shares and length in
    /// seconds; `None` when any window has none.
    pub fn combined(windows: &[(Option<Shares>, f64)]) -> Option<Shares> {
        let wall: f64 = windows.iter().map(|(_, secs)| secs).sum();
        if windows.is_empty() || wall <= 0.0 {
            return None;
        }
        let parts: Vec<(Shares, f64)> = windows
            .iter()
            .map(|(s, secs)| s.map(|s| (s, *secs)))
            .collect::<Option<_>>()?;
        let mean = |f: &dyn Fn(&Shares) -> Option<f64>| {
            parts
                .iter()
                .map(|(s, secs)| f(s).map(|v| v * secs))
                .sum::<Option<f64>>()
                .map(|v| v / wall)
        };
        Some(Shares {
            generator: mean(&|s| Some(s.generator))?,
            server: mean(&|s| s.server),
            other: mean(&|s| s.other),
            server_secs: parts.iter().map(|(s, _)| s.server_secs).sum(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_windows_together_weigh_each_by_its_length() {
        let a = Shares {
            generator: 0.2,
            server: Some(0.6),
            other: Some(0.0),
            server_secs: Some(2.4),
        };
        let b = Shares {
            generator: 0.5,
            server: Some(0.3),
            other: Some(0.1),
            server_secs: Some(0.6),
        };
        let both = Shares::combined(&[(Some(a), 2.0), (Some(b), 1.0)]).unwrap();
        assert!((both.generator - 0.3).abs() < 1e-9, "{both:?}");
        assert!((both.server.unwrap() - 0.5).abs() < 1e-9, "{both:?}");
        assert!((both.server_secs.unwrap() - 3.0).abs() < 1e-9, "{both:?}");
        let unknown = Shares {
            server: None,
            server_secs: None,
            ..a
        };
        let partial = Shares::combined(&[(Some(a), 1.0), (Some(unknown), 1.0)]).unwrap();
        assert_eq!((partial.server, partial.server_secs), (None, None));
        assert_eq!(Shares::combined(&[(Some(a), 1.0), (None, 1.0)]), None);
        assert_eq!(Shares::combined(&[]), None);
    }

    #[test]
    fn a_busy_loop_shows_in_this_process_share() {
        let start = Snapshot::take(&[std::process::id()]);
        let until = Instant::now() + std::time::Duration::from_millis(300);
        let mut spins = 0u64;
        while Instant::now() < until {
            spins = std::hint::black_box(spins + 1);
        }
        let shares = start.shares_until(&Snapshot::take(&[std::process::id()]));
        let shares = shares.expect("Linux has /proc");
        // One thread busy for the whole window: about one core's share (ticks are coarse).
        let one_core = 1.0 / cores();
        assert!(
            shares.generator > one_core * 0.5 && shares.generator < one_core * 1.5,
            "{shares:?}"
        );
        // The "server" here is this very process: the same time.
        assert!((shares.server.unwrap() - shares.generator).abs() < 0.05);
        assert!(shares.other.unwrap() >= 0.0);
    }
}
