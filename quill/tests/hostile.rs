//! `quill` as a careless or hostile user runs it, round three (issue 31): no command writes over
//! its own input, a closed stdout ends the keyboard replay quietly, figures say what they were
//! measured on, and messages name the right thing.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{cat_model, quill, s, text, tmp};
use quill_tests::cli::run_then_close_stdout;

#[test]
fn no_command_writes_over_its_own_input() {
    let dir = tmp("hostile-own-input");
    let model = cat_model(&dir);
    let before = std::fs::read(&model).unwrap();
    // The same file by another name: a relative path, a hard link.
    let link = dir.join("same.quill");
    std::fs::hard_link(&model, &link).unwrap();
    for out in [s(&model), s(&link)] {
        let o = quill(&[
            "export",
            "--model",
            s(&model),
            "--quant",
            "int8",
            "--out",
            out,
        ]);
        let t = text(&o);
        assert!(!o.status.success(), "{t}");
        assert!(t.contains("same file as --model"), "{t}");
    }
    let text_file = dir.join("text.txt");
    std::fs::write(&text_file, "the cat sat on mat 1 . ").unwrap();
    let o = quill(&[
        "export",
        "--model",
        s(&model),
        "--text",
        s(&text_file),
        "--out",
        s(&text_file),
    ]);
    assert!(text(&o).contains("same file as --text"), "{}", text(&o));
    assert_eq!(std::fs::read(&model).unwrap(), before);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../torch-import/tests/fixtures");
    let weights = dir.join("w.safetensors");
    std::fs::copy(fixtures.join("gru-2x8-lesson.safetensors"), &weights).unwrap();
    let vocab = fixtures.join("gru-2x8-lesson.vocab.json");
    let original = std::fs::read(&weights).unwrap();
    let o = quill(&[
        "import-torch",
        "--weights",
        s(&weights),
        "--vocab",
        s(&vocab),
        "--out",
        s(&weights),
    ]);
    assert!(text(&o).contains("same file as --weights"), "{}", text(&o));
    assert_eq!(std::fs::read(&weights).unwrap(), original);
    let o = quill(&[
        "import-torch",
        "--weights",
        s(&weights),
        "--vocab",
        s(&vocab),
        "--prime",
        "",
    ]);
    assert!(
        !o.status.success() && text(&o).contains("--prime is empty"),
        "{}",
        text(&o)
    );
}

/// `quill keyboard --script … | head -c 10`: the replay stops when its reader goes, exit 0.
#[test]
fn a_closed_stdout_ends_the_keyboard_replay_quietly() {
    let dir = tmp("hostile-kb-pipe");
    let model = cat_model(&dir);
    let script = "one two three four ".repeat(50);
    let (status, err) = run_then_close_stdout(
        Command::new(env!("CARGO_BIN_EXE_quill")).args([
            "keyboard",
            "--model",
            s(&model),
            "--script",
            &script,
        ]),
        10,
    );
    assert!(
        status.success() && !err.contains("panicked"),
        "{status:?} {err}"
    );
}

#[test]
fn figures_say_what_they_were_measured_on() {
    let dir = tmp("hostile-figures");
    let model = cat_model(&dir);
    // Cyrillic for a model of Latin text: every character is unknown.
    let foreign = dir.join("foreign.txt");
    std::fs::write(&foreign, "кот сидел на ковре ".repeat(20)).unwrap();
    let o = quill(&["eval", "--model", s(&model), "--text", s(&foreign)]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("not in the model's vocabulary"), "{t}");
    assert!(t.contains("outside the vocabulary"), "{t}");
    let o = quill(&[
        "eval",
        "--model",
        s(&model),
        "--json",
        "--text",
        s(&foreign),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // 15 letters a phrase, the first character of the text not scored.
    assert_eq!(json["unknown_chars"], 15 * 20 - 1);
    let o = quill(&["eval", "--model", s(&model)]);
    assert!(text(&o).contains("built-in HUMAN_NUMBERS"), "{}", text(&o));
    // Errors about the text or the temperature do not blame the model file.
    let o = quill(&["eval", "--model", s(&model), "--text", "/nonexistent.txt"]);
    assert!(!text(&o).contains("model.quill"), "{}", text(&o));
    let o = quill(&["sample", "--model", s(&model), "--temperature", "-1"]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("model.quill:"), "{}", text(&o));
}

#[test]
fn a_trainer_checkpoint_is_named_as_one() {
    let dir = tmp("hostile-checkpoint");
    let ck = dir.join("checkpoint.bin");
    let mut bytes = b"QUILLCKP".to_vec();
    bytes.extend(2u32.to_le_bytes());
    bytes.extend([0u8; 64]);
    std::fs::write(&ck, bytes).unwrap();
    let o = quill(&["inspect", "--model", s(&ck)]);
    let t = text(&o);
    assert!(
        t.contains("trainer checkpoint") && t.contains("model.quill"),
        "{t}"
    );
    assert!(!t.contains("version"), "{t}");
}
