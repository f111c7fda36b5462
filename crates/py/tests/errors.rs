//! Errors and limits: bad source gives a positioned error, unsupported constructs name
//! themselves, runaway programs stop at a limit that says how to raise it, and a deadlock is
//! an outcome naming its wait-for cycle. Nothing panics or hangs.

use interleave_py::{PyOptions, RunError, RunResult, SourceErrorKind, run_program};
use interleave_sim::{Outcome, SchedulerKind};

fn opts() -> PyOptions {
    PyOptions {
        seed: 1,
        max_instructions: 2_000_000,
        ..PyOptions::default()
    }
}

fn run(src: &str) -> Result<RunResult, RunError> {
    let o = opts();
    run_program(src, &o, o.machine(), &SchedulerKind::Random)
}

fn ran(src: &str) -> RunResult {
    match run(src) {
        Ok(r) => r,
        Err(e) => panic!("did not run: {e:?}"),
    }
}

fn source_error(src: &str) -> interleave_py::SourceError {
    match run(src) {
        Err(RunError::Source(e)) => e,
        other => panic!("expected a source error, got {other:?}"),
    }
}

#[test]
fn syntax_errors_have_a_position() {
    let e = source_error("x = 1\ndef f(:\n    pass\n");
    assert_eq!(e.kind, SourceErrorKind::Syntax);
    assert_eq!(e.pos.line, 2);
    assert!(e.render("en").contains("line 2"), "{}", e.render("en"));
    assert!(e.render("zh").contains("第 2 行"), "{}", e.render("zh"));
}

#[test]
fn unsupported_constructs_name_themselves() {
    let e = source_error("x = 3\nmatch x:\n    case 3:\n        pass\n");
    assert_eq!(e.kind, SourceErrorKind::Unsupported);
    assert!(
        e.render("en")
            .starts_with("not supported in the playground: `match"),
        "{}",
        e.render("en")
    );
    assert!(e.render("zh").contains("不支持"), "{}", e.render("zh"));
    let e = source_error("print(2 ** 100 + 123456789012345678901234567890)\n");
    assert_eq!(e.kind, SourceErrorKind::Unsupported);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = format!("x = {}1{}\n", "(".repeat(50_000), ")".repeat(50_000));
    assert_eq!(source_error(&src).kind, SourceErrorKind::TooDeep);
    let src = format!("x = {}1\n", "-".repeat(100_000));
    assert_eq!(source_error(&src).kind, SourceErrorKind::TooDeep);
}

#[test]
fn refused_modules_say_why() {
    let r = ran("import socket\n");
    assert!(
        r.stderr
            .contains("ModuleNotFoundError: not supported in the playground: `import socket`"),
        "{}",
        r.stderr
    );
    assert_eq!(r.exit_code, 1);
    let r = ran("open('data.txt')\n");
    assert!(
        r.stderr.contains("not supported in the playground: open()"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_endless_loop_stops_at_the_instruction_limit_and_cannot_be_caught() {
    let r = ran("while True:\n    try:\n        pass\n    except BaseException:\n        pass\n");
    assert!(r.stderr.contains("instruction limit"), "{}", r.stderr);
    // It says where the program was.
    assert!(r.stderr.contains("\", line 5, in <module>"), "{}", r.stderr);
    assert_eq!(r.exit_code, 1);
    // Also inside code a built-in calls back into (a key function).
    let r = ran("def key(x):\n    while True:\n        pass\nsorted([1, 2], key=key)\n");
    assert!(r.stderr.contains("instruction limit"), "{}", r.stderr);
}

#[test]
fn runaway_recursion_is_a_recursion_error() {
    let r = ran("def f(n):\n    return f(n + 1)\nf(0)\n");
    assert!(
        r.stderr
            .ends_with("RecursionError: maximum recursion depth exceeded\n"),
        "{}",
        r.stderr
    );
    let r = ran("class A:\n    def __repr__(self):\n        return repr(self)\nprint(A())\n");
    assert!(r.stderr.contains("RecursionError"), "{}", r.stderr);
}

#[test]
fn oversized_data_is_a_memory_error_naming_the_limit() {
    let r = ran("x = [0] * (10 ** 9)\n");
    assert!(
        r.stderr.contains("MemoryError") && r.stderr.contains("limit"),
        "{}",
        r.stderr
    );
    let r = ran("s = 'ab' * (10 ** 9)\n");
    assert!(r.stderr.contains("MemoryError"), "{}", r.stderr);
}

#[test]
fn int_overflow_past_64_bits_is_explained() {
    let r = ran("print(2 ** 64)\n");
    assert!(
        r.stderr.contains("OverflowError") && r.stderr.contains("64"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_exception_in_a_thread_is_printed_and_the_program_goes_on() {
    let r = ran(
        "import threading\ndef bad():\n    raise ValueError('boom')\nt = threading.Thread(target=bad)\nt.start()\nt.join()\nprint('after')\n",
    );
    assert_eq!(r.stdout, "after\n");
    assert!(
        r.stderr.starts_with(
            "Exception in thread Thread-1 (bad):\nTraceback (most recent call last):\n"
        ),
        "{}",
        r.stderr
    );
    assert!(r.stderr.ends_with("ValueError: boom\n"), "{}", r.stderr);
    assert_eq!(r.exit_code, 0);
}

#[test]
fn a_deadlock_is_an_outcome_that_names_the_cycle() {
    let src = r#"
import threading, time
a = threading.Lock()
b = threading.Lock()
def one():
    with a:
        time.sleep(0.01)
        with b:
            pass
def two():
    with b:
        time.sleep(0.01)
        with a:
            pass
t1 = threading.Thread(target=one); t2 = threading.Thread(target=two)
t1.start(); t2.start(); t1.join(); t2.join()
"#;
    let r = ran(src);
    match &r.trace.outcome {
        o @ Outcome::Deadlock { .. } => {
            let text = o.summary();
            assert!(text.contains("'a'") && text.contains("'b'"), "{text}");
        }
        other => panic!("expected a deadlock, got {other:?}"),
    }
    assert_ne!(r.exit_code, 0);
}

#[test]
fn misuse_of_primitives_raises_what_cpython_raises() {
    let r = ran(
        "import threading\nl = threading.Lock()\ntry:\n    l.release()\nexcept RuntimeError as e:\n    print('RuntimeError', e)\n",
    );
    assert_eq!(r.stdout, "RuntimeError release unlocked lock\n");
    let r = ran(
        "import threading\ns = threading.BoundedSemaphore(1)\ntry:\n    s.release()\nexcept ValueError as e:\n    print('ValueError', e)\n",
    );
    assert_eq!(r.stdout, "ValueError Semaphore released too many times\n");
    let r = ran(
        "import threading\nt = threading.Thread(target=print)\nt.start()\ntry:\n    t.start()\nexcept RuntimeError as e:\n    print(e)\n",
    );
    assert!(
        r.stdout.ends_with("threads can only be started once\n"),
        "{}",
        r.stdout
    );
}
