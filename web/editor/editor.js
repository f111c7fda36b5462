// Interleave's code editor: CodeMirror 6 with Python, bundled by esbuild into
// dist/editor/editor.js (xtask/build-editor.sh) and imported by the page only when a page
// with code opens, so the gallery never loads it.
//
// The page (web/src/ui/editor.rs) talks to it through `create` and the methods of the object
// it returns; everything it passes in is data (text, numbers), never markup.

import { EditorView, basicSetup } from 'codemirror';
import { python } from '@codemirror/lang-python';
import { indentUnit } from '@codemirror/language';
import { setDiagnostics, lintGutter } from '@codemirror/lint';
import { Compartment, EditorState, RangeSet, StateEffect, StateField } from '@codemirror/state';
import { Decoration, GutterMarker, gutter, keymap } from '@codemirror/view';

// ---- each thread's line at the cursor ----------------------------------------------------

/** A thread's badge in the gutter: its letter on its lane's colour, its name as the title. */
class ThreadMarker extends GutterMarker {
  constructor(marks) {
    super();
    this.marks = marks;
  }
  eq(other) {
    return JSON.stringify(other.marks) === JSON.stringify(this.marks);
  }
  toDOM() {
    const box = document.createElement('span');
    box.className = 'cm-threads';
    for (const m of this.marks) {
      const b = document.createElement('span');
      b.className = 'cm-thread';
      b.textContent = m.letter;
      b.title = m.name;
      b.style.background = m.color;
      box.appendChild(b);
    }
    box.setAttribute('aria-label', this.marks.map((m) => m.name).join(', '));
    return box;
  }
}

const setThreads = StateEffect.define();
const setHovered = StateEffect.define();

/** The threads' lines: gutter markers and a line background, rebuilt on each `setThreads`. */
const threadsField = StateField.define({
  create: () => ({ gutter: RangeSet.empty, lines: Decoration.none }),
  update(value, tr) {
    for (const e of tr.effects) {
      if (e.is(setThreads)) return build(tr.state, e.value);
    }
    if (!tr.docChanged) return value;
    return { gutter: value.gutter.map(tr.changes), lines: value.lines.map(tr.changes) };
  },
  provide: (f) => EditorView.decorations.from(f, (v) => v.lines),
});

function build(state, marks) {
  const byLine = new Map();
  for (const m of marks) {
    if (m.line < 1 || m.line > state.doc.lines) continue;
    if (!byLine.has(m.line)) byLine.set(m.line, []);
    byLine.get(m.line).push(m);
  }
  const lines = [...byLine.keys()].sort((a, b) => a - b);
  const gutterRanges = [];
  const lineRanges = [];
  for (const n of lines) {
    const from = state.doc.line(n).from;
    gutterRanges.push(new ThreadMarker(byLine.get(n)).range(from));
    lineRanges.push(Decoration.line({ class: 'cm-thread-line' }).range(from));
  }
  return { gutter: RangeSet.of(gutterRanges), lines: Decoration.set(lineRanges) };
}

const threadsGutter = gutter({
  class: 'cm-threads-gutter',
  markers: (view) => view.state.field(threadsField).gutter,
  initialSpacer: () => new ThreadMarker([{ letter: 'M', name: '', color: 'transparent' }]),
});

/** The line whose events the timeline highlights (hovered), and the line jumped to. */
const hoveredField = StateField.define({
  create: () => Decoration.none,
  update(value, tr) {
    for (const e of tr.effects) {
      if (e.is(setHovered)) {
        const n = e.value;
        if (!n || n > tr.state.doc.lines) return Decoration.none;
        const from = tr.state.doc.line(n).from;
        return Decoration.set([Decoration.line({ class: 'cm-jumped-line' }).range(from)]);
      }
    }
    return tr.docChanged ? value.map(tr.changes) : value;
  },
  provide: (f) => EditorView.decorations.from(f),
});

const theme = EditorView.theme({
  '&': { fontSize: '14px', border: '1px solid var(--line, #ccc)', borderRadius: '6px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
  '.cm-threads-gutter .cm-gutterElement': { display: 'flex', alignItems: 'center' },
  '.cm-threads': { display: 'inline-flex', gap: '2px', padding: '0 2px' },
  '.cm-thread': {
    color: '#fff',
    fontSize: '11px',
    fontWeight: '700',
    lineHeight: '15px',
    minWidth: '15px',
    textAlign: 'center',
    borderRadius: '3px',
    padding: '0 2px',
    textShadow: '0 0 2px rgba(0,0,0,.6)',
  },
  '.cm-thread-line': { background: 'rgba(255, 200, 0, 0.16)' },
  '.cm-jumped-line': { outline: '2px solid rgba(37, 99, 235, 0.55)', outlineOffset: '-2px' },
});

/**
 * Makes an editor in `parent`.
 * opts: { doc, readOnly, label, onChange(text), onHover(line or 0), onRun() }
 */
export function create(parent, opts) {
  const editable = new Compartment();
  let hovered = 0;
  const listeners = [
    EditorView.updateListener.of((u) => {
      if (u.docChanged && opts.onChange) opts.onChange(u.state.doc.toString());
    }),
    EditorView.domEventHandlers({
      mousemove(ev, view) {
        const pos = view.posAtCoords({ x: ev.clientX, y: ev.clientY });
        const line = pos == null ? 0 : view.state.doc.lineAt(pos).number;
        if (line !== hovered) {
          hovered = line;
          if (opts.onHover) opts.onHover(line);
        }
      },
      mouseleave() {
        if (hovered !== 0) {
          hovered = 0;
          if (opts.onHover) opts.onHover(0);
        }
      },
    }),
  ];
  const run = keymap.of([
    {
      key: 'Mod-Enter',
      run: () => {
        if (opts.onRun) opts.onRun();
        return true;
      },
    },
  ]);
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: opts.doc || '',
      extensions: [
        run,
        basicSetup,
        python(),
        indentUnit.of('    '),
        EditorState.tabSize.of(4),
        lintGutter(),
        threadsField,
        threadsGutter,
        hoveredField,
        theme,
        editable.of([EditorView.editable.of(!opts.readOnly), EditorState.readOnly.of(!!opts.readOnly)]),
        EditorView.contentAttributes.of({ 'aria-label': opts.label || 'Python', 'data-testid': 'editor-content' }),
        listeners,
      ],
    }),
  });

  const lineRange = (line, col) => {
    const n = Math.min(Math.max(line, 1), view.state.doc.lines);
    const l = view.state.doc.line(n);
    const from = Math.min(l.from + Math.max(col - 1, 0), l.to);
    // The rest of the word at the column, or the whole line when the column is at its end.
    let to = from;
    while (to < l.to && /\w/.test(view.state.doc.sliceString(to, to + 1))) to++;
    if (to === from) return { from: l.from, to: Math.max(l.to, l.from) };
    return { from, to };
  };

  const api = {
    /** The CodeMirror view itself (for tests and devtools). */
    view,
    getDoc: () => view.state.doc.toString(),
    setDoc(text) {
      if (text === view.state.doc.toString()) return;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    setReadOnly(ro) {
      view.dispatch({
        effects: editable.reconfigure([EditorView.editable.of(!ro), EditorState.readOnly.of(ro)]),
      });
    },
    /** marks: JSON [{line, letter, name, color}] — each thread's line at the cursor. */
    setThreads(json) {
      view.dispatch({ effects: setThreads.of(JSON.parse(json)) });
    },
    /** problems: JSON [{line, col, message, severity}] — underlined with their message. */
    setProblems(json) {
      const diagnostics = JSON.parse(json).map((p) => ({
        ...lineRange(p.line, p.col),
        severity: p.severity || 'error',
        message: p.message,
        source: p.source || undefined,
      }));
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    /** Scrolls `line` into view and outlines it (0 clears the outline). */
    reveal(line) {
      const effects = [setHovered.of(line)];
      if (line >= 1 && line <= view.state.doc.lines) {
        effects.push(EditorView.scrollIntoView(view.state.doc.line(line).from, { y: 'nearest' }));
      }
      view.dispatch({ effects });
    },
    focus: () => view.focus(),
    destroy: () => {
      view.destroy();
      delete parent.interleaveEditor;
    },
  };
  parent.interleaveEditor = api;
  return api;
}
