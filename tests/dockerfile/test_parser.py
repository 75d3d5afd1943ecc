"""Unit tests of the Dockerfile parser on small Dockerfiles, spans and offsets included."""

from __future__ import annotations

import pickle

from dlint.dockerfile.model import Document, Instruction, Token
from dlint.dockerfile.parser import parse


def codes(doc: Document) -> list[str]:
    return [e.code for e in doc.errors]


def sliced(doc: Document, token: Token) -> bytes:
    return doc.raw[token.span.start_offset : token.span.end_offset]


def only(doc: Document) -> Instruction:
    assert len(doc.instructions) == 1, doc.instructions
    return doc.instructions[0]


# -- directives ----------------------------------------------------------------------


def test_directives_at_top() -> None:
    doc = parse(b"# syntax=docker/dockerfile:1\n# escape=`\n# check=skip=all\nFROM a\n")
    assert [(d.name, d.value) for d in doc.directives] == [
        ("syntax", "docker/dockerfile:1"),
        ("escape", "`"),
        ("check", "skip=all"),
    ]
    assert doc.escape == "`"
    syntax = doc.directives[0]
    assert doc.raw[syntax.value_span.start_offset : syntax.value_span.end_offset] == b"docker/dockerfile:1"
    assert (syntax.value_span.start_line, syntax.value_span.start_column) == (1, 10)
    assert doc.comments == []


def test_directive_run_ends_at_blank_comment_unknown_or_shebang() -> None:
    assert parse(b"# syntax=a\n\n# escape=`\nFROM a\n").escape == "\\"
    assert parse(b"# hello\n# escape=`\nFROM a\n").directives == []
    assert parse(b"# foo=bar\n# escape=`\nFROM a\n").directives == []
    doc = parse(b"#!/bin/sh\n# syntax=x\nFROM a\n")
    assert doc.directives == []
    assert [c.text for c in doc.comments] == ["!/bin/sh", "syntax=x"]


def test_directive_spacing_and_case() -> None:
    doc = parse(b"#  Escape = `  \nFROM a\n")
    assert doc.directives[0].name == "escape" and doc.escape == "`"


def test_duplicate_directive_and_bad_escape_are_errors() -> None:
    doc = parse(b"# syntax=a\n# syntax=b\nFROM a\n")
    assert codes(doc) == ["directive"]
    assert doc.errors[0].span.start_line == 2
    assert [d.value for d in doc.directives] == ["a"]
    doc = parse(b"# escape=x\nFROM a\n")
    assert codes(doc) == ["directive"] and doc.escape == "\\"


def test_bom_is_skipped_but_offsets_count_it() -> None:
    doc = parse(b"\xef\xbb\xbf# syntax=a\nFROM alpine\n")
    assert doc.bom and doc.directives[0].value == "a"
    ins = only(doc)
    assert ins.keyword_span.start_offset == 3 + 11
    assert sliced(doc, ins.words[0]) == b"alpine"
    assert ins.words[0].span.start_column == 6


# -- continuation --------------------------------------------------------------------


def test_continuation_joins_without_separator() -> None:
    doc = parse(b"RUN echo a\\\n  b \\  \n  c\nUSER x\n")
    run = doc.instructions[0]
    assert run.args == ["echo a  b   c"]
    assert (run.line, run.end_line) == (1, 3)
    assert doc.instructions[1].line == 4


def test_comments_and_empty_lines_inside_continuation() -> None:
    doc = parse(b"RUN a \\\n# inner\n\n   \n  b\n")
    run = only(doc)
    assert run.args == ["a   b"]
    assert [c.text for c in doc.comments] == ["inner"]
    warning = [e for e in doc.errors if e.code == "empty-continuation"]
    assert len(warning) == 1 and not warning[0].fatal and warning[0].span.start_line == 3


def test_continuation_at_eof() -> None:
    run = only(parse(b"RUN echo \\"))
    assert run.args == ["echo"]


def test_word_crossing_continuation_is_not_contiguous() -> None:
    doc = parse(b"FROM exam\\\nple.com/img\n")
    word = only(doc).words[0]
    assert word.value == "example.com/img" and not word.contiguous
    assert (word.span.start_line, word.span.end_line, word.span.end_column) == (1, 2, 12)


def test_escaped_escape_is_not_continuation() -> None:
    doc = parse(b"RUN echo \\\\\nUSER x\n")
    assert [i.keyword for i in doc.instructions] == ["RUN", "USER"]


def test_backtick_escape() -> None:
    doc = parse(b"# escape=`\nFROM windows\nRUN dir `\n  c:\\\nWORKDIR c:\\x\n")
    assert [i.args for i in doc.instructions] == [["windows"], ["dir   c:\\"], ["c:\\x"]]


def test_crlf() -> None:
    doc = parse(b"FROM a\r\nRUN x \\\r\n  y\r\n")
    assert doc.line_ending == "\r\n"
    assert doc.instructions[1].args == ["x   y"]
    word = doc.instructions[0].words[0]
    assert sliced(doc, word) == b"a" and doc.instructions[0].span.end_column == 7


def test_tabs_and_leading_whitespace() -> None:
    doc = parse(b"\t  from\talpine\n")
    ins = only(doc)
    assert ins.keyword == "FROM" and ins.written_keyword == "from"
    assert ins.keyword_span.start_column == 4
    assert sliced(doc, ins.words[0]) == b"alpine"


# -- heredocs ------------------------------------------------------------------------


def test_heredoc_body_is_not_instructions() -> None:
    doc = parse(b"FROM a\nRUN <<EOF\nFROM evil/x\n# not a comment\nEOF\nUSER me\n")
    assert [i.keyword for i in doc.instructions] == ["FROM", "RUN", "USER"]
    run = doc.instructions[1]
    assert run.heredocs[0].name == "EOF"
    assert run.heredocs[0].body == "FROM evil/x\n# not a comment\n"
    assert run.heredocs[0].expand and not run.heredocs[0].chomp
    assert (run.line, run.end_line) == (2, 5)
    assert (run.heredocs[0].span.start_line, run.heredocs[0].span.end_line) == (3, 5)
    assert doc.comments == []


def test_heredoc_variants() -> None:
    doc = parse(
        b"FROM a\nCOPY <<-'X' 3<<\"Y\" /dst\n\tx1\n\tX\ny1\nY\nRUN cat<<EOF\nRUN [\"<<EOF\"]\n"
    )
    copy = doc.instructions[1]
    assert [(h.name, h.expand, h.chomp, h.file_descriptor) for h in copy.heredocs] == [
        ("X", False, True, None),
        ("Y", False, False, 3),
    ]
    assert [h.body for h in copy.heredocs] == ["\tx1\n", "y1\n"]
    assert doc.instructions[2].heredocs == [] and doc.instructions[3].heredocs == []
    assert len(doc.instructions) == 4


def test_heredoc_whitespace_after_marker_and_onbuild() -> None:
    doc = parse(b"FROM a\nRUN <<  EOF\nx\nEOF\nONBUILD RUN <<EOF\nFROM b\nEOF\n")
    assert doc.instructions[1].heredocs[0].name == "EOF"
    onbuild = doc.instructions[2]
    assert onbuild.onbuild is not None and onbuild.heredocs[0].body == "FROM b\n"
    assert onbuild.onbuild.heredocs == onbuild.heredocs
    assert len(doc.instructions) == 3


def test_unterminated_heredoc() -> None:
    doc = parse(b"FROM a\nRUN <<EOF\necho\nFROM b\n")
    assert codes(doc) == ["unterminated-heredoc"]
    assert [i.keyword for i in doc.instructions] == ["FROM", "RUN"]
    error = doc.errors[0]
    assert doc.raw[error.span.start_offset : error.span.end_offset] == b"<<EOF"


def test_heredoc_not_in_user_or_with_unbalanced_quote() -> None:
    doc = parse(b"FROM a\nUSER <<X\nX\nRUN <<EOF echo '\nEOF\n")
    assert [i.keyword for i in doc.instructions] == ["FROM", "USER", "X", "RUN", "EOF"]


# -- arguments -----------------------------------------------------------------------


def test_exec_form_and_fallback() -> None:
    doc = parse(b'CMD ["a", "b c"]\nCMD [\'a\']\nCMD ["a" "b"]\nENTRYPOINT [1]\n')
    cmd = doc.instructions[0]
    assert cmd.json_form and cmd.args == ["a", "b c"]
    assert [w.value for w in cmd.words] == ["a", "b c"]
    assert sliced(doc, cmd.words[1]) == b'"b c"'
    assert not doc.instructions[1].json_form and doc.instructions[1].args == ["['a']"]
    assert doc.instructions[2].args == ['["a" "b"]']
    assert codes(doc) == ["syntax"] and doc.errors[0].span.start_line == 4


def test_env_label_arg_forms() -> None:
    doc = parse(b'ENV A=1 B="x y"\nENV C d e\nLABEL k=v\nARG a b=2\nENV\n')
    assert doc.instructions[0].args == ["A", "1", "=", "B", '"x y"', "="]
    assert doc.instructions[1].args == ["C", "d e", ""]
    assert doc.instructions[2].args == ["k", "v", "="]
    assert doc.instructions[3].args == ["a", "b=2"]
    assert codes(doc) == ["missing-arguments"]


def test_env_errors() -> None:
    assert codes(parse(b"FROM a\nENV PATH\n")) == ["syntax"]
    assert codes(parse(b"FROM a\nENV A=1 B\n")) == ["syntax"]


def test_flags() -> None:
    doc = parse(b'FROM a\nCOPY --from=build --chown="1:2" --link src /dst\n')
    copy = doc.instructions[1]
    assert [(f.name, f.value) for f in copy.flags] == [("from", "build"), ("chown", "1:2"), ("link", None)]
    assert [f.token.value for f in copy.flags] == ["--from=build", "--chown=1:2", "--link"]
    assert sliced(doc, copy.flags[1].token) == b'--chown="1:2"'
    assert copy.args == ["src", "/dst"]
    assert [w.value for w in copy.words] == ["src", "/dst"]
    assert copy.flag("from") is copy.flags[0]
    assert doc.errors == []


def test_unknown_and_bad_flags() -> None:
    doc = parse(b"FROM --platform=x a\nRUN --mount=type=cache,target=/x --netwrk=host x\nCOPY --link=maybe a b\n")
    assert codes(doc) == ["unknown-flag", "flag-value"]
    assert "did you mean network" in doc.errors[0].message
    assert doc.raw[doc.errors[0].span.start_offset : doc.errors[0].span.end_offset] == b"--netwrk=host"


def test_from_forms() -> None:
    doc = parse(b"FROM a AS Build\nFROM a b\nFROM a AS 1x\n")
    assert doc.instructions[0].args == ["a", "AS", "Build"]
    assert codes(doc) == ["from-arity", "invalid-stage-name"]


def test_from_words_honour_quotes() -> None:
    doc = parse(b'FROM "my image" AS x\n')
    assert [w.value for w in only(doc).words] == ['"my image"', "AS", "x"]
    assert only(doc).args == ['"my', 'image"', "AS", "x"]


def test_onbuild() -> None:
    doc = parse(b"FROM a\nONBUILD COPY --from=b /x /y\n")
    ins = doc.instructions[1]
    assert ins.onbuild is not None
    child = ins.onbuild
    assert (child.keyword, child.args, [f.value for f in child.flags]) == ("COPY", ["/x", "/y"], ["b"])
    assert ins.args == ["COPY", "/x", "/y"]
    assert sliced(doc, child.words[0]) == b"/x"
    assert doc.raw[child.keyword_span.start_offset : child.keyword_span.end_offset] == b"COPY"
    assert child.span.end_line == 2 and doc.errors == []


def test_healthcheck_and_others() -> None:
    doc = parse(b'FROM a\nHEALTHCHECK --interval=5s CMD ["curl", "x"]\nHEALTHCHECK NONE\nEXPOSE 80 443\n')
    health = doc.instructions[1]
    assert health.args == ["CMD", "curl", "x"] and health.json_form
    assert [w.value for w in health.words] == ["CMD", "curl", "x"]
    assert doc.instructions[3].args == ["80", "443"]
    assert doc.errors == []


def test_unknown_instruction_and_missing_args() -> None:
    doc = parse(b"FROM a\nRUNN x\nWORKDIR\nCOPY a\n")
    assert codes(doc) == ["unknown-instruction", "missing-arguments", "missing-arguments"]
    assert "did you mean run" in doc.errors[0].message
    assert doc.errors[0].span.start_line == 2


def test_empty_and_comment_only_files() -> None:
    assert codes(parse(b"")) == ["syntax"]
    doc = parse(b"# a\n\n# b\n")
    assert codes(doc) == ["syntax"] and doc.errors[0].message == "file with no instructions"


def test_spans_and_offsets() -> None:
    raw = "FROM a\n# dlint ignore=x\nRUN  echo  ünï  done\n".encode()
    doc = parse(raw)
    run = doc.instructions[1]
    assert (run.span.start_line, run.span.start_column, run.span.end_column) == (3, 1, 21)
    assert raw[run.span.start_offset : run.span.end_offset] == "RUN  echo  ünï  done".encode()
    for word in run.words:
        assert sliced(doc, word) == word.value.encode()
    assert run.words[2].span.start_column == 17
    assert doc.comments[0].text == "dlint ignore=x" and doc.comments[0].span.start_line == 2
    assert [i.index for i in doc.instructions] == [0, 1]
    assert run.original == "RUN  echo  ünï  done"


def test_invalid_utf8_and_nul() -> None:
    raw = b"FROM a\nRUN echo \xff\x00 ok\n"
    doc = parse(raw)
    assert "invalid-utf8" in codes(doc)
    assert doc.instructions[1].args == ["echo \ufffd\x00 ok"]
    ok = doc.instructions[1].words[-1]
    assert sliced(doc, ok) == b"ok"


def test_str_input_and_path() -> None:
    doc = parse("FROM a\n", "sub/Dockerfile")
    assert doc.path == "sub/Dockerfile" and doc.raw == b"FROM a\n" and doc.text == "FROM a\n"


def test_lazy_words_behave_as_lists() -> None:
    ins = only(parse(b"RUN a b c\n"))
    assert len(ins.words) == 3
    copied = pickle.loads(pickle.dumps(ins.words))
    assert [w.value for w in copied] == ["a", "b", "c"]
    assert [w.value for w in [*ins.words, *ins.words]][3] == "a"
