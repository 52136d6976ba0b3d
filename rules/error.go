package rules

import (
	"fmt"
	"unicode/utf8"

	"github.com/yanglao/yanglao"
)

// Pos is a position in the source of a rule: Line and Column count from 1,
// Column in characters (runes, so a Chinese character is one column); Offset
// is the byte offset from 0.
type Pos struct {
	Offset int `json:"offset"`
	Line   int `json:"line"`
	Column int `json:"column"`
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// position computes the Pos of byte offset off in src.
func position(src string, off int) Pos {
	if off > len(src) {
		off = len(src)
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return Pos{Offset: off, Line: line, Column: utf8.RuneCountInString(src[start:off]) + 1}
}

// Error is a syntax or type error in a rule, or a failure while evaluating one
// (a missing fact, an arithmetic overflow). ZH and EN say what is wrong and,
// where it helps, how to write it instead.
type Error struct {
	Pos Pos    `json:"pos"`
	ZH  string `json:"zh"`
	EN  string `json:"en"`
	// Runtime is true for an evaluation failure; Pos is then the expression
	// that failed, or the start of the rule.
	Runtime bool `json:"runtime,omitempty"`
}

// Error is the message in both languages with the position, e.g.
// "第1行第5列（字节4）：不认识的名称 agee；是否想写 age？ (line 1, column 5, byte 4: unknown name agee; did you mean age?)".
func (e *Error) Error() string {
	return fmt.Sprintf("第%d行第%d列（字节%d）：%s (line %d, column %d, byte %d: %s)",
		e.Pos.Line, e.Pos.Column, e.Pos.Offset, e.ZH, e.Pos.Line, e.Pos.Column, e.Pos.Offset, e.EN)
}

// Domain converts the error to the platform's error type, EINVALID naming field.
func (e *Error) Domain(field string) *yanglao.Error {
	return &yanglao.Error{Code: yanglao.EINVALID, Field: field, Message: e.Error()}
}

func errAt(src string, off int, zh, en string, args ...any) *Error {
	// args are shared by both templates: each uses %[n]v where it needs them.
	return &Error{Pos: position(src, off), ZH: sprintf(zh, args...), EN: sprintf(en, args...)}
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}
