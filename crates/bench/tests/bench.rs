//! The benchmarks run on small corpora: their own checks pass and their figures add up (no
//! timing is asserted; performance figures are read from `unmask bench …`).

#[test]
fn small_runs_pass_their_checks() {
    let load = unmask_bench::load(1).unwrap();
    assert!(load.entities > 10_000, "{load}");

    let screen = unmask_bench::screen(400).unwrap();
    assert_eq!(screen.names, 400);
    // Half the queries are perturbed list names: many match, the random companies mostly not.
    assert!(
        screen.with_a_match > 100 && screen.with_a_match < 400,
        "{screen}"
    );

    let scan = unmask_bench::scan(3_000, 100).unwrap();
    assert_eq!(scan.cold.exposed, scan.warm.exposed);
    assert!(scan.cold.exposed > 0 && scan.cold.exposed < 3_000, "{scan}");
}

#[test]
fn flows_bench_on_a_generated_log() {
    let out = std::env::temp_dir().join(format!("unmask-bench-test-{}.log", std::process::id()));
    let figures = unmask_bench::flows(&unmask_bench::FlowsBench {
        records: 20_000,
        out: Some(out.clone()),
        ..Default::default()
    })
    .unwrap();
    assert!(!out.exists(), "the generated file is removed unless kept");
    assert_eq!(figures.rows.used, 20_000);
    assert_eq!(figures.delivered, 20_000);
    assert_eq!(figures.full_records, 20_000);
    // Every record is a pair to the detectors in the every-pair pass; half are outbound.
    assert!(figures.every_pair_pairs >= figures.pairs, "{figures}");
    assert_eq!(figures.outbound, 10_000, "{figures}");
}

#[test]
fn generators_are_deterministic() {
    let a = unmask_bench::gen::assets(50, 20);
    let b = unmask_bench::gen::assets(50, 20);
    assert_eq!(a, b);
    let mut r1 = unmask_bench::Rng::new(3);
    let mut r2 = unmask_bench::Rng::new(3);
    let names: Vec<String> = (0..20)
        .map(|_| unmask_bench::gen::perturb("Nuctech Company Limited", &mut r1))
        .collect();
    let again: Vec<String> = (0..20)
        .map(|_| unmask_bench::gen::perturb("Nuctech Company Limited", &mut r2))
        .collect();
    assert_eq!(names, again);
    assert!(names.iter().any(|n| n != "Nuctech Company Limited"));
}
