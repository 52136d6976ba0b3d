// Package rules is the small, safe expression language that benefit rules are
// written in: who is eligible for an item of the basic elderly-care service
// list (基本养老服务清单) and how much a cash item pays a month.
//
// A rule is compiled and type-checked when it is saved (Env.Compile). A
// syntax or type error is an *Error that names the line, the column (in
// characters) and the byte offset of the problem and says, in Chinese and in
// English, what is wrong and how to write it instead:
//
//	第1行第11列（字节10）：比较两边的类型不同：左边是整数，右边是金额；金额要写单位，如 80元 或 8000分
//	(line 1, column 11, byte 10: the two sides of the comparison differ: …)
//
// A compiled Program evaluates against a Facts value with typed closures
// built at compile time: no reflection, no map look-ups, no allocation (about
// 2–5 ns per operator). Program.Explain evaluates the same rule and also
// returns every sub-condition with the facts it read, in both languages:
//
//	以下条件全部满足 ✓                      all of these hold ✓
//	  年龄（age）= 85 在 80 与 99 之间（含） ✓    age = 85 between 80 and 99 (inclusive) ✓
//	  「低保」身份（status("dibao")）= 否 ✗      status("dibao") = false ✗
//
// The language cannot loop, define functions, divide, read anything but its
// facts, or fail to terminate; a rule is at most 8 KiB and 64 levels deep.
//
// # Types
//
//	bool     true, false
//	int      whole numbers: 80, -1 (int64; overflow is an evaluation error, never a wrapped value)
//	money    integer fen, never floats: 80元, 80.5元, 80.50元 (at most two decimals), 8000分
//	date     date("2024-02-29"), eval_date, month_start, add_days(d, n) …
//	string   "dibao", "431002" (double quotes; \" and \\ are the only escapes)
//	set      a set of strings, e.g. the fact chronic; only on the right of in
//
// A decimal literal such as 1.3 (at most four places) has no type of its own:
// it may only multiply money, and the product is rounded UP to the next whole
// fen, so that "不低于当地最低生活保障标准的1.3倍" holds (dibao_standard * 1.3).
// int and money never mix: age >= 80元 and 150元 + 1 are type errors, and the
// message suggests the unit.
//
// # Grammar
//
// From the lowest precedence to the highest; keywords are lower-case; # starts
// a comment to the end of the line.
//
//	rule    = expr
//	expr    = or
//	or      = and { ("or" | "||") and }
//	and     = not { ("and" | "&&") not }
//	not     = ("not" | "!") not | cmp
//	cmp     = add [ cmpop add
//	              | ["not"] "between" add "and" add
//	              | ["not"] "in" ( "[" expr { "," expr } [","] "]" | add ) ]
//	cmpop   = "=" | "==" | "!=" | "<>" | "≠" | "<" | "<=" | "≤" | ">" | ">=" | "≥"
//	add     = mul { ("+" | "-") mul }
//	mul     = unary { ("*" | "×") unary }
//	unary   = "-" unary | primary
//	primary = INT | DECIMAL | MONEY | STRING | "true" | "false"
//	        | NAME | NAME "(" [ expr { "," expr } ] ")"
//	        | "(" expr ")"
//	        | "if" expr "then" expr "else" expr
//
// Comparisons do not chain (80 <= age <= 89 is refused: write
// age between 80 and 89); between is inclusive at both ends; ordering
// applies to int, money and date, equality also to string and bool; and/or
// short-circuit; if needs an else, both branches have one type, and the else
// branch reaches as far right as it can (parenthesise an if inside a larger
// expression). + and - take two ints or two amounts; * takes int × int,
// money × int and money × decimal.
//
// # Facts
//
// Every Env has these built-in facts (Facts fields):
//
//	eval_date         date    the day the rule is evaluated for (Facts.Date)
//	month_start       date    first day of that month
//	month_end         date    last day of that month
//	birth_date        date
//	age               int     age in whole years on eval_date; a 29 February birthday counts on 1 March in common years
//	birthday_month    bool    the birthday (29 Feb: 1 Mar in common years) falls in the month of eval_date
//	sex               string  "M" or "F"
//	grade             int     GB/T 42195-2022 capability grade valid on eval_date, 0–4; -1 when none is valid
//	disability_grade  int     disability certificate grade 1 (most severe) – 4; 0 when none
//	residence         string  12-digit region code of residence (常住地)
//	household         string  12-digit region code of household registration (户籍地)
//	living            string  alone, empty_nest, with_children, with_others, institution
//	no_fixed_income   bool
//	chronic           set     chronic conditions
//
// and these functions:
//
//	status("dibao")             bool  the status is active on eval_date; the kind must be one the Env knows
//	in_region("431002")         bool  residence lies in the region's subtree, tested on the region path (a code
//	                                  prefix is wrong under placeholder nodes); 2, 4, 6, 9 or 12 digits
//	household_in_region("4310") bool  the same for household registration
//	age_on(date)                int   age on another day, e.g. age_on(add_days(month_start, -1))
//	add_days(date, int)         date
//	days_between(date, date)    int   second minus first
//	year(date), month(date), day(date)  int
//	date("2024-02-29")          date  a constant; the date must exist
//	min(a, b), max(a, b)              two ints, two amounts or two dates
//
// A caller declares its own facts with Env.Declare (e.g. the per-region
// parameter dibao_standard, money, Required: a rule that reads it fails
// rather than evaluate with 0 when it is missing).
package rules
