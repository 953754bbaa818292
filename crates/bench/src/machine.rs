//! A description of the machine the figures were measured on.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// The facts a reader needs to compare figures across machines.
#[derive(Debug, Clone)]
pub struct Machine {
    /// CPU model name.
    pub cpu: String,
    /// Logical CPUs available to this process.
    pub cores: usize,
    /// Distribution and kernel.
    pub os: String,
    /// `rustc --version`.
    pub rustc: String,
    /// When the figures were taken, UTC, as `YYYY-MM-DD HH:MM`.
    pub date: String,
    /// The load average (1, 5, 15 minutes) when the run started.
    pub load_before: String,
    /// The load average when it ended, once it has.
    pub load_after: Option<String>,
}

impl Machine {
    /// Describes the machine this runs on.
    pub fn describe() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
            .map(|(_, model)| model.trim().to_string())
            .unwrap_or_else(|| "unknown CPU".to_string());
        let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let distro = release
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| std::env::consts::OS.to_string());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let os = format!("{distro}, Linux {} ({})", kernel.trim(), std::env::consts::ARCH);
        let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or("rustc".into()))
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|_| "unknown rustc".to_string());
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os,
            rustc,
            date: utc_now(),
            load_before: load_average(),
            load_after: None,
        }
    }
}

/// The 1-, 5- and 15-minute load averages, as `0.52 0.61 0.70`: how busy
/// the machine was with other work.
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    if fields.is_empty() { "unknown".to_string() } else { fields.join(" ") }
}

/// The current time, UTC, as `YYYY-MM-DD HH:MM`.
fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let in_day = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", in_day / 3600, in_day % 3600 / 60)
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// days-to-civil algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_538), (2026, 3, 26));
    }
}
