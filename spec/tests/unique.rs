//! `unique: case_insensitive` on model fields: what the IR carries (the errors are in the diagnostics
//! corpus, case `unique-values`).

use std::path::PathBuf;

use charter_spec::load_files;

#[test]
fn unique_accepts_true_false_and_case_insensitive() {
    let core = r#"
app: core
models:
  User:
    fields:
      username: { type: string, max_length: 64, unique: case_insensitive }
      email: { type: text, unique: "case_insensitive" }
      slug: { type: string, unique: true }
      name: { type: string, unique: false }
"#;
    let files = vec![
        (PathBuf::from("spec/project.yaml"), "title: T\nversion: 0.1.0\n".to_owned()),
        (PathBuf::from("spec/core.yaml"), core.to_owned()),
    ];
    let spec = load_files(files).unwrap_or_else(|d| panic!("{}", d.render(false)));
    let user = &spec.apps[0].models[0];
    let flags = |name: &str| {
        let f = user.field(name).unwrap();
        (f.unique, f.unique_case_insensitive)
    };
    assert_eq!(flags("username"), (true, true));
    assert_eq!(flags("email"), (true, true));
    assert_eq!(flags("slug"), (true, false));
    assert_eq!(flags("name"), (false, false));
    assert_eq!(flags("id"), (false, false));
}
