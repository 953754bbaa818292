//! The harness end to end in its fastest mode: `noop`, in process, on the
//! interpreter, one run; then every rendering of the results. Nothing here
//! depends on how long anything took.

use std::path::{Path, PathBuf};

use wisp_bench::harness::{self, Options, Part};
use wisp_bench::machine::Machine;
use wisp_bench::report::{Kind, Phase, Results, Series, Status};
use wisp_bench::{chart, document};

fn corpus() -> Option<PathBuf> {
    let dir = wisp_bench::corpus::default_dir(&harness::workspace_root());
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "benchmark corpus not found under CI");
    eprintln!("skipping: benchmark corpus not found (set WISP_SHARED)");
    None
}

fn fast_options(bench_dir: &Path) -> Options {
    Options {
        runs: 1,
        warmup: 0,
        startup_runs: 1,
        program: Some("^noop$".to_string()),
        runtime: vec!["wisp-interp".to_string()],
        part: vec![Part::InProcess],
        no_peers: true,
        no_install: true,
        wisp: None,
        bench_dir: Some(bench_dir.to_path_buf()),
        peers_dir: None,
    }
}

#[test]
fn noop_in_process_renders_as_markdown_and_csv() {
    let Some(bench_dir) = corpus() else { return };
    let results = harness::run(&fast_options(&bench_dir), &harness::workspace_root()).unwrap();
    assert_eq!(results.tiers, ["wisp-interp"]);
    for phase in [Phase::Compile, Phase::Instantiate, Phase::Execute] {
        let series = results.get(Kind::InProcess, "noop", "wisp-interp", phase).unwrap();
        assert_eq!(series.status, Status::Ok, "{phase:?}");
        assert_eq!(series.times.len(), 1);
    }

    let table = results.in_process_table();
    let row = table.lines().find(|l| l.starts_with("| noop | wisp-interp |")).unwrap();
    assert_eq!(row.matches('|').count(), 6, "{row}");

    let csv = results.csv();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[..5], ["kind", "program", "runtime", "phase", "runs"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let noop: Vec<_> = rows.iter().filter(|r| r[1] == "noop").collect();
    assert_eq!(noop.len(), 3);
    for row in noop {
        assert_eq!(row.len(), header.len());
        assert_eq!((row[0], row[2], row[4], row[9]), ("in-process", "wisp-interp", "1", "ok"));
        let median: f64 = row[5].parse().unwrap();
        assert!(median >= 0.0);
    }

    let page =
        document::render(document::TEMPLATE, &results, &Machine::describe(), "test").unwrap();
    assert!(page.contains("| noop | wisp-interp |"));
    assert!(!page.contains("{{"));
}

#[test]
fn whole_process_results_render_with_ratios_and_a_chart() {
    let series = |program: &str, runtime: &str, times: &[f64], status: Status| Series {
        kind: Kind::WholeProcess,
        program: program.to_string(),
        runtime: runtime.to_string(),
        phase: Phase::Total,
        times: times.to_vec(),
        peak_rss_kib: Some(2048),
        status,
    };
    let results = Results {
        runs: 3,
        startup_runs: 1,
        runtimes: vec!["wisp-interp".into(), "wasmi".into()],
        unavailable: vec![("wisp-cranelift".into(), "not in this build".into())],
        series: vec![
            series("a", "wisp-interp", &[2.0, 2.2, 1.8], Status::Ok),
            series("a", "wasmi", &[1.0, 1.1, 0.9], Status::Ok),
            series("b", "wisp-interp", &[0.5, 0.5, 0.5], Status::Ok),
            series("b", "wasmi", &[], Status::Wrong("stdout differs".into())),
        ],
        ..Results::default()
    };
    let ratios = results.ratio_table(Kind::WholeProcess);
    assert!(ratios.contains("| wisp-interp / wasmi |"), "{ratios}");
    assert!(ratios.contains("| a | 2.00 |"), "{ratios}");
    assert!(ratios.contains("| b |  |"), "{ratios}");
    assert!(ratios.contains("**2.00** (1 programs)"), "{ratios}");
    let table = results.whole_process_table(Kind::WholeProcess);
    assert!(table.contains("| a | 2.00 s (1.80–2.20) | 1.00 s (0.90–1.10) |"), "{table}");
    assert!(table.contains("| b | 500 ms (500–500) | wrong output |"), "{table}");
    assert!(results.rss_table().contains("| a | 2.0 | 2.0 |"));
    let problems = results.problems();
    assert!(problems.contains("wisp-cranelift: unavailable"));
    assert!(problems.contains("b (wasmi, whole-process): wrong output: stdout differs"));
    let svg = chart::svg(&results, Kind::WholeProcess, "test").unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("wasmi"));
}
