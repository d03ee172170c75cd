//! `cargo run -p unmask-screen --example explain -- Person "name one" "name two"`
fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let s = unmask_screen::score_names(&a[1], &a[2], unmask_screen::eval::kind_of_schema(&a[0]));
    println!("score {:.4}", s.score);
    for f in s.features {
        println!("  {:16} {:+.3}  {}", f.name, f.value, f.detail);
    }
}
