fn main() {
    for a in std::env::args().skip(1) {
        let x = unmask_text::analyze(&a, unmask_text::NameKind::Any);
        println!("{a} => {:?}", x.folded);
        for t in &x.tokens {
            println!(
                "   {:?} {:?} {:?} {:?}",
                t.text,
                t.kind,
                t.classes
                    .iter()
                    .map(|&c| unmask_text::class_name(c))
                    .collect::<Vec<_>>(),
                t.phonetic
            );
        }
        println!(
            "   LF {:?} acr {:?} generic_only {}",
            x.legal_forms,
            x.acronyms(),
            x.is_generic_only()
        );
    }
}
