package rules_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/rules"
)

// Rules with a syntax or a type error are refused with the position:
// line:column (columns count characters) and the byte offset.
func TestCompileErrors(t *testing.T) {
	te := newEnv(t)
	for _, tc := range []struct {
		src       string
		want      rules.Type
		line, col int
		off       int
		zh, en    string // substrings of the messages
	}{
		{``, rules.Bool, 1, 1, 0, "规则是空的", "empty"},
		{`   # only a comment`, rules.Bool, 1, 1, 0, "规则是空的", "empty"},
		{`age >=`, rules.Bool, 1, 7, 6, "这里应为一个值", "expected a value, a name or (, found end of rule"},
		{`age >= 80 and`, rules.Bool, 1, 14, 13, "规则结尾", "found end of rule"},
		{`age >= 80元`, rules.Bool, 1, 5, 4, "左边是整数，右边是金额", "the left side is int, the right side is money"},
		{`agee >= 80`, rules.Bool, 1, 1, 0, "是否想写 age", "unknown name agee; did you mean age?"},
		{`Age >= 80`, rules.Bool, 1, 1, 0, "是否想写 age", "did you mean age?"},
		{`年龄 >= 80`, rules.Bool, 1, 1, 0, "是否想写 age（年龄）", "did you mean age?"},
		{"age >= 80\nand status(\"低保\")", rules.Bool, 2, 12, 21, `"低保" 应写作 "dibao"`, `status kinds are written as codes: "低保" is "dibao"`},
		{`status("poor")`, rules.Bool, 1, 8, 7, "未知的身份类别", `unknown status kind "poor"`},
		{`status(living)`, rules.Bool, 1, 8, 7, "必须是字符串常量", "must be a string literal"},
		{`status("dibao", "x")`, rules.Bool, 1, 1, 0, "需要1个参数，这里有2个", "takes 1 argument(s), got 2"},
		{`status`, rules.Bool, 1, 1, 0, "是函数", `status is a function and takes arguments, e.g. status("dibao")`},
		{`age() >= 80`, rules.Bool, 1, 1, 0, "是事实，不是函数", "age is a fact, not a function"},
		{`stauts("dibao")`, rules.Bool, 1, 1, 0, "没有函数 stauts", `did you mean status("dibao")?`},
		{`in_region("43100")`, rules.Bool, 1, 11, 10, "区划代码应为2、4、6、9或12位数字", "a region code has 2, 4, 6, 9 or 12 digits"},
		{`80 <= age <= 89`, rules.Bool, 1, 11, 10, "比较不能连写", "comparisons cannot be chained"},
		{`age >= 80 且 no_fixed_income`, rules.Bool, 1, 11, 10, "请用 and 代替 且", "write and instead of 且"},
		{`age >= 80 no_fixed_income`, rules.Bool, 1, 11, 10, "是否缺少 and 或 or", "is an and or an or missing?"},
		{`(age >= 80`, rules.Bool, 1, 11, 10, "右括号", "expected a closing ), found end of rule"},
		{`age >= 80)`, rules.Bool, 1, 10, 9, "多了一个右括号", "one closing parenthesis too many"},
		{`（age >= 80）`, rules.Bool, 1, 1, 0, "请使用英文半角符号 (", "use the ASCII character ( instead of （"},
		{`living = 'alone'`, rules.Bool, 1, 10, 9, "英文双引号", "ASCII double quotes"},
		{`living = "alone`, rules.Bool, 1, 10, 9, "没有结束的双引号", "no closing double quote"},
		{`living >= "alone"`, rules.Bool, 1, 8, 7, "字符串只能比较相等", "strings can only be compared with = or ≠"},
		{`dibao_standard / 2`, rules.Money, 1, 16, 15, "不支持除法", "division is not supported"},
		{`dibao_standard * dibao_standard`, rules.Money, 1, 16, 15, "两个金额不能相乘", "cannot be multiplied"},
		{`age * 1.3`, rules.Int, 1, 5, 4, "小数只能乘以金额", "a decimal can only multiply money"},
		{`1.3`, rules.Invalid, 1, 1, 0, "小数只能用来乘以金额", "cannot be the result"},
		{`80.123元`, rules.Money, 1, 1, 0, "金额最多精确到分", "at most two decimals"},
		{`80.5分`, rules.Money, 1, 1, 0, "以分为单位的金额必须是整数", "an amount in fen must be whole"},
		{`80yuan`, rules.Money, 1, 1, 0, "数字后面不能直接跟文字", "money is written 80元 or 8000分"},
		{`99999999999999999999`, rules.Int, 1, 1, 0, "数值太大", "too large"},
		{`9223372036854775808`, rules.Int, 1, 1, 0, "数值太大", "too large"},
		{`92233720368547758.08元`, rules.Money, 1, 1, 0, "金额太大", "too large"},
		{`age >= 80 and 80 元 > 0元`, rules.Bool, 1, 18, 17, "金额单位要紧跟数字", "the unit must follow the number directly"},
		{`1.23456 * dibao_standard`, rules.Money, 1, 1, 0, "小数最多四位", "at most four places"},
		{`if age >= 90 then 150元 else 80`, rules.Money, 1, 29, 30, "then 是金额，else 是整数；金额要写单位", "then is money, else is int"},
		{`if age >= 90 then 150元`, rules.Money, 1, 23, 24, "if 必须有 else", "expected else (an if needs an else), found end of rule"},
		{`if age then 1元 else 2元`, rules.Money, 1, 4, 3, "if 后面应为条件", "if needs a condition (bool), not int"},
		{`age >= 80`, rules.Money, 1, 1, 0, "规则的结果应为金额，这里是布尔", "the rule must give money, but gives bool"},
		{`150`, rules.Money, 1, 1, 0, "金额要写单位，如 80元", "write money with its unit"},
		{`if age >= 90 then 150元 else 80元`, rules.Bool, 1, 1, 0, "资格规则应是条件", "an eligibility rule is a condition"},
		{`age between 90 and 80`, rules.Bool, 1, 13, 12, "下限大于上限", "can never hold"},
		{`dibao_standard between 600 and 900元`, rules.Bool, 1, 24, 23, "between 的界限应为金额", "the bounds of between must be money, not int; write money with its unit"},
		{`age in ["80", 81]`, rules.Bool, 1, 9, 8, "列表元素应为整数", "list elements must be int"},
		{`age in chronic`, rules.Bool, 1, 1, 0, "字符串集合里只能找字符串", "only a string can be looked for"},
		{`"x" in living`, rules.Bool, 1, 8, 7, "in 的右边应为列表", "must be a list [...] or a set of strings, not string"},
		{`age in []`, rules.Bool, 1, 8, 7, "列表不能为空", "the list is empty"},
		{`[1, 2]`, rules.Bool, 1, 1, 0, "列表 [...] 只能写在 in 后面", "may only follow in"},
		{`age not >= 80`, rules.Bool, 1, 5, 4, "not 后面应为 between 或 in", "must be followed by between or in"},
		{`not age`, rules.Bool, 1, 1, 0, "not 后面应为条件", "not needs a condition (bool), not int"},
		{`age >= 80 and grade`, rules.Bool, 1, 15, 14, "and 两边应为条件", "both sides of and must be conditions"},
		{`birth_date + 1`, rules.Date, 1, 12, 11, "日期不能直接加减", "use add_days"},
		{`date("2023-02-29")`, rules.Date, 1, 6, 5, "日期应为存在的", "an existing YYYY-MM-DD"},
		{`add_days(month_start)`, rules.Date, 1, 1, 0, "add_days 需要2个参数", "takes 2 argument(s), got 1"},
		{`age_on("2024-01-01")`, rules.Int, 1, 8, 7, "第1个参数应为日期", "argument 1 of age_on must be date, not string"},
		{`min(age, 80元)`, rules.Int, 1, 1, 0, "两个参数应同为", "must both be ints, money or dates"},
		{`-"x"`, rules.Int, 1, 1, 0, "负号只能用于", "unary minus needs an int or money"},
		{"age >= 80 and\n\tgrade >= 2 and\n\tliving = alone", rules.Bool, 3, 11, 40, "不认识的名称 alone", "unknown name alone"},
		{"高龄 and age ≥ 80", rules.Bool, 1, 1, 0, "不认识的名称 高龄", "unknown name 高龄"},
		{"age ≥ 80 and ¥80", rules.Bool, 1, 14, 15, "不能识别的字符", "unexpected character '¥'"},
		{strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100), rules.Int, 1, 65, 64, "嵌套太深", "nested too deeply"},
		{strings.Repeat("not ", 100) + "true", rules.Bool, 1, 257, 256, "嵌套太深", "nested too deeply"},
		{strings.Repeat("age >= 80 and ", 700) + "true", rules.Bool, 1, 8193, 8192, "规则太长", "too long"},
		{"age >= 80 \xff", rules.Bool, 1, 11, 10, "无效的UTF-8", "not valid UTF-8"},
	} {
		_, err := te.env.Compile(tc.src, tc.want)
		var re *rules.Error
		if !errors.As(err, &re) {
			t.Errorf("%q: got %v, want a *rules.Error", tc.src, err)
			continue
		}
		if re.Pos.Line != tc.line || re.Pos.Column != tc.col || re.Pos.Offset != tc.off {
			t.Errorf("%q: at %d:%d (byte %d), want %d:%d (byte %d): %v", tc.src, re.Pos.Line, re.Pos.Column, re.Pos.Offset, tc.line, tc.col, tc.off, err)
		}
		if !strings.Contains(re.ZH, tc.zh) || !strings.Contains(re.EN, tc.en) {
			t.Errorf("%q: messages %q / %q, want %q / %q", tc.src, re.ZH, re.EN, tc.zh, tc.en)
		}
		msg := err.Error()
		if !strings.Contains(msg, "第") || !strings.Contains(msg, "(line ") {
			t.Errorf("%q: message %q should carry the position in both languages", tc.src, msg)
		}
		if d := re.Domain("eligibility"); yanglao.ErrorCode(d) != yanglao.EINVALID || yanglao.ErrorField(d) != "eligibility" {
			t.Errorf("%q: Domain = %v", tc.src, d)
		}
	}
}
