//! Prints the pair-bench figures and every miss: `cargo run -p unmask-screen --example pairs`.
use unmask_screen::eval::*;

fn main() {
    let dir = unmask_testdata::shared_dir().display();
    let mut rd = csv::Reader::from_path(format!(
        "{dir}/lists/eval/nomenklatura_name_bench_cases.csv"
    ))
    .unwrap();
    let cases: Vec<PairCase> = rd
        .records()
        .map(|r| {
            let r = r.unwrap();
            PairCase {
                schema: r[1].into(),
                name1: r[2].into(),
                name2: r[3].into(),
                is_match: &r[4] == "true",
            }
        })
        .collect();
    let thr: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(unmask_screen::DEFAULT_THRESHOLD);
    let (scores, c) = evaluate_pairs(&cases, thr);
    for (p, s) in cases.iter().zip(&scores) {
        if (*s >= thr) != p.is_match {
            println!(
                "{} {:.3} {} | {} | {}",
                if p.is_match { "FN" } else { "FP" },
                s,
                p.schema,
                p.name1,
                p.name2
            );
        }
    }
    println!(
        "{c:?} P {:.3} R {:.3} F1 {:.3}",
        c.precision(),
        c.recall(),
        c.f1()
    );
    for t in [0.7, 0.75, 0.8, 0.85, 0.9] {
        let mut c = Confusion::default();
        for (p, s) in cases.iter().zip(&scores) {
            c.add(*s >= t, p.is_match);
        }
        println!(
            "thr {t}: P {:.3} R {:.3} F1 {:.3}",
            c.precision(),
            c.recall(),
            c.f1()
        );
    }
}
