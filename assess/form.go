package assess

// Option is one scored answer of an item, with its text as printed in annex B.
type Option struct {
	Score int
	Text  string
}

// Item is one second-level indicator (二级指标) of annex B.
type Item struct {
	Code       string // "B.1.1"; also the key of the answers map given to Score
	Name       string // 进食
	NameEN     string
	Definition string // what the item measures, as printed after the name
	Note       string // the 注 printed under the item, if any
	Options    []Option
}

// Max returns the item's highest score.
func (it Item) Max() int { return it.Options[0].Score }

// Dimension is one first-level indicator (一级指标) and its table in annex B.
type Dimension struct {
	Code   string // "B.1"
	Name   string // 自理能力
	NameEN string
	Max    int // sum of the items' maxima
	Items  []Item
}

// Indexes of Result.Subtotals and of Dimensions(), in annex B order.
const (
	SelfCare         = iota // B.1 自理能力
	Motor                   // B.2 基础运动能力
	Mental                  // B.3 精神状态
	PerceptionSocial        // B.4 感知觉与社会参与
	numDimensions
)

// MaxTotal is the highest total score (GB/T 42195-2022 chapter 4: 4 first-level
// and 26 second-level indicators, 90 points).
const MaxTotal = 90

// assistance is the five-step scale shared by the self-care and transfer
// items (annex B, B.1.2–B.1.5, B.1.8, B.2.1, B.2.2).
var assistance = []Option{
	{4, "独立完成，不需要协助"},
	{3, "在他人指导或提示下完成"},
	{2, "需要他人协助，但以自身完成为主"},
	{1, "主要依靠他人协助，自身能给予配合"},
	{0, "完全依赖他人协助，且不能给予配合"},
}

// form is annex B of GB/T 42195-2022 (规范性附录 B 老年人能力评估表), tables
// B.1–B.4. Option texts follow the standard; full-width punctuation throughout.
var form = [numDimensions]Dimension{
	{
		Code: "B.1", Name: "自理能力", NameEN: "Self-care", Max: 32,
		Items: []Item{
			{
				Code: "B.1.1", Name: "进食", NameEN: "Eating",
				Definition: "使用适当的器具将食物送入口中并咽下",
				Options: []Option{
					{4, "独立使用器具将食物送进口中并咽下，没有呛咳"},
					{3, "在他人指导或提示下完成，或独立使用辅具，没有呛咳"},
					{2, "进食中需要少量接触式协助，偶尔（每月一次及以上）呛咳"},
					{1, "在进食中需要大量接触式协助，经常（每周一次及以上）呛咳"},
					{0, "完全依赖他人协助进食，或吞咽困难，或留置营养管"},
				},
			},
			{
				Code: "B.1.2", Name: "修饰", NameEN: "Grooming",
				Definition: "指洗脸、刷牙、梳头、刮脸、剪指（趾）甲等",
				Options:    assistance,
			},
			{
				Code: "B.1.3", Name: "洗澡", NameEN: "Bathing",
				Definition: "清洗和擦干身体",
				Options:    assistance,
			},
			{
				Code: "B.1.4", Name: "穿/脱上衣", NameEN: "Dressing: upper body",
				Definition: "指穿/脱上身衣服、系扣、拉拉链等",
				Options:    assistance,
			},
			{
				Code: "B.1.5", Name: "穿/脱裤子和鞋袜", NameEN: "Dressing: trousers, shoes and socks",
				Definition: "指穿/脱裤子、鞋袜等",
				Options:    assistance,
			},
			{
				Code: "B.1.6", Name: "小便控制", NameEN: "Bladder control",
				Definition: "控制和排出尿液的能力",
				Options: []Option{
					{4, "可自行控制排尿，排尿次数、排尿控制均正常"},
					{3, "白天可自行控制排尿次数，夜间出现排尿次数增多、排尿控制较差，或自行使用尿布、尿垫等辅助用物"},
					{2, "白天大部分时间可自行控制排尿，偶出现（每天<1次，但每周>1次）尿失禁，夜间控制排尿较差，或他人少量协助使用尿布、尿垫等辅助用物"},
					{1, "白天大部分时间不能控制排尿（每天≥1次，但尚非完全失控），夜间出现尿失禁，或他人大量协助使用尿布、尿垫等辅助用物"},
					{0, "小便失禁，完全不能控制排尿，或留置导尿管"},
				},
			},
			{
				Code: "B.1.7", Name: "大便控制", NameEN: "Bowel control",
				Definition: "控制和排出粪便的能力",
				Options: []Option{
					{4, "可正常自行控制大便排出"},
					{3, "有时出现（每周<1次）便秘或大便失禁，或自行使用开塞露、尿垫等辅助用物"},
					{2, "经常出现（每天<1次，但每周>1次）便秘或大便失禁，或他人少量协助使用开塞露、尿垫等辅助用物"},
					{1, "大部分时间均出现（每天≥1次）便秘或大便失禁，但尚非完全失控，或他人大量协助使用开塞露、尿垫等辅助用物"},
					{0, "严重便秘或者完全大便失禁，需要依赖他人协助排便或清洁皮肤"},
				},
			},
			{
				Code: "B.1.8", Name: "如厕", NameEN: "Toileting",
				Definition: "上厕所排泄大小便，并清洁身体",
				Note:       "评估中强调排泄前解开裤子、完成排泄后清洁身体、穿上裤子",
				Options:    assistance,
			},
		},
	},
	{
		Code: "B.2", Name: "基础运动能力", NameEN: "Basic mobility", Max: 15,
		Items: []Item{
			{
				Code: "B.2.1", Name: "床上体位转移", NameEN: "Changing position in bed",
				Definition: "卧床翻身及坐起躺下",
				Options:    assistance,
			},
			{
				Code: "B.2.2", Name: "床椅转移", NameEN: "Bed–chair transfer",
				Definition: "从坐位到站位，再从站位到坐位的转换过程",
				Options:    assistance,
			},
			{
				Code: "B.2.3", Name: "平地行走", NameEN: "Walking on level ground",
				Definition: "双脚交互的方式在地面行动，总是一只脚在前",
				Note:       "包括他人辅助和使用辅助工具的步行",
				Options: []Option{
					{4, "独立平地步行50 m左右，不需要协助，无摔倒风险"},
					{3, "能平地步行50 m左右，存在摔倒风险，需要他人监护或指导，或使用拐杖、助行器等辅助工具"},
					{2, "在步行时需要他人少量扶持协助"},
					{1, "在步行时需要他人大量扶持协助"},
					{0, "完全不能步行"},
				},
			},
			{
				// The only 0–3 item of B.2 (4+4+4+3 = 15): the two most dependent
				// steps of the assistance scale share 0 points.
				Code: "B.2.4", Name: "上下楼梯", NameEN: "Going up and down stairs",
				Definition: "双脚交替完成楼梯台阶连续的上下移动",
				Options: []Option{
					{3, "可独立上下楼梯（连续上下10个～15个台阶），不需要协助"},
					{2, "在他人指导或提示下完成"},
					{1, "需要他人协助，但以自身完成为主"},
					{0, "主要依靠他人协助，自身能给予配合；或者完全依赖他人协助，且不能给予配合"},
				},
			},
		},
	},
	{
		// 6 items of 0–4, two of 0–1 and one of 0–2: 24+1+1+2 = 28.
		Code: "B.3", Name: "精神状态", NameEN: "Mental state", Max: 28,
		Items: []Item{
			{
				Code: "B.3.1", Name: "时间定向", NameEN: "Orientation to time",
				Definition: "知道并确认时间的能力",
				Options: []Option{
					{4, "时间观念（年、月）清楚，日期（或星期几）可相差一天"},
					{3, "时间观念有些下降，年、月、日（或星期几）不能全部分清（相差两天或以上）"},
					{2, "时间观念较差，年、月、日不清楚，可知上半年或下半年或季节"},
					{1, "时间观念很差，年、月、日不清楚，可知上午、下午或白天、夜间"},
					{0, "无时间观念"},
				},
			},
			{
				Code: "B.3.2", Name: "空间定向", NameEN: "Orientation to place",
				Definition: "知道并确认空间的能力",
				Options: []Option{
					{4, "能在日常生活范围内单独外出，如在日常居住小区内独自外出购物等"},
					{3, "不能单独外出，但能准确知道自己日常生活所在地的地址信息"},
					{2, "不能单独外出，但知道较多有关自己日常生活的地址信息"},
					{1, "不能单独外出，但知道较少自己居住或生活所在地的地址信息"},
					{0, "不能单独外出，无空间观念"},
				},
			},
			{
				Code: "B.3.3", Name: "人物定向", NameEN: "Orientation to person",
				Definition: "知道并确认人物的能力",
				Options: []Option{
					{4, "认识长期共同一起生活的人，能称呼并知道关系"},
					{3, "能认识大部分共同生活居住的人，能称呼或知道关系"},
					{2, "能认识部分日常同住的亲人或照护者等，能称呼或知道关系等"},
					{1, "只认识自己或极少数日常同住的亲人或照护者等"},
					{0, "不认识任何人（包括自己）"},
				},
			},
			{
				Code: "B.3.4", Name: "记忆", NameEN: "Memory",
				Definition: "短时、近期和远期记忆能力",
				Options: []Option{
					{4, "总是能保持与社会、年龄所适应的记忆能力，能完整的回忆"},
					{3, "出现轻度的记忆紊乱或回忆不能（不能回忆即时信息，3个词语经过5分钟后仅能回忆0个～1个）"},
					{2, "出现中度的记忆紊乱或回忆不能（不能回忆近期记忆，不记得上一顿饭吃了什么）"},
					{1, "出现重度的记忆紊乱或回忆不能（不能回忆远期记忆，不记得自己老朋友）"},
					{0, "记忆完全紊乱或者完全不能对既往事物进行正确的回忆"},
				},
			},
			{
				Code: "B.3.5", Name: "理解能力", NameEN: "Understanding",
				Definition: "理解语言信息和非语言信息的能力（可借助平时使用助听设备等），即理解别人的话",
				Options: []Option{
					{4, "能正常理解他人的话"},
					{3, "能理解他人的话，但需要增加时间"},
					{2, "理解有困难，需频繁重复或简化口头表达"},
					{1, "理解有严重困难，需要大量他人帮助"},
					{0, "完全不能理解他人的话"},
				},
			},
			{
				Code: "B.3.6", Name: "表达能力", NameEN: "Expression",
				Definition: "表达信息能力，包括口头的和非口头的，即表达自己的想法",
				Options: []Option{
					{4, "能正常表达自己的想法"},
					{3, "能表达自己的需要，但需要增加时间"},
					{2, "表达需要有困难，需频繁重复或简化口头表达"},
					{1, "表达有严重困难，需要大量他人帮助"},
					{0, "完全不能表达需要"},
				},
			},
			{
				Code: "B.3.7", Name: "攻击行为", NameEN: "Aggressive behaviour",
				Definition: "身体攻击行为（如打/踢/推/咬/抓/摔东西）和语言攻击行为（如骂人、语言威胁、尖叫）",
				Note:       "长期的行为状态",
				Options: []Option{
					{1, "未出现"},
					{0, "近一个月内出现过攻击行为"},
				},
			},
			{
				Code: "B.3.8", Name: "抑郁症状", NameEN: "Depressive symptoms",
				Definition: "存在情绪低落、兴趣减退、活力减退等症状，甚至出现妄想、幻觉、自杀念头或自杀行为",
				Note:       "长期的负性情绪",
				Options: []Option{
					{1, "未出现"},
					{0, "近一个月内出现过负性情绪"},
				},
			},
			{
				// The note is reproduced as the published transcriptions of the
				// form print it ("重度失能", wording kept from MZ/T 039-2013);
				// grading follows annex C.4, which rates coma 能力完全丧失.
				Code: "B.3.9", Name: "意识水平", NameEN: "Level of consciousness",
				Definition: "机体对自身和周围环境的刺激做出应答反应的能力程度，包括清醒和持续的觉醒状态",
				Note:       "处于昏迷状态者，直接评定为重度失能",
				Options: []Option{
					{2, "神志清醒，对周围环境能做出正确反应"},
					{1, "嗜睡，表现为睡眠状态过度延长。当呼唤或推动老年人的肢体时可唤醒，并能进行正确的交谈或执行指令，停止刺激后又继续入睡；意识模糊，注意力涣散，对外界刺激不能清晰的认识，空间和时间定向力障碍，理解力迟钝，记忆力模糊和不连贯"},
					{0, "昏睡，一般的外界刺激不能使其觉醒，给予较强烈的刺激时可有短时的意识清醒，醒后可简短回答提问，当刺激减弱后又很快进入睡眠状态；或者昏迷：意识丧失，随意运动丧失，对一般刺激全无反应"},
				},
			},
		},
	},
	{
		// Vision and hearing 0–2, transport 0–3, the others 0–4: 2+2+4+3+4 = 15.
		Code: "B.4", Name: "感知觉与社会参与", NameEN: "Perception and social participation", Max: 15,
		Items: []Item{
			{
				Code: "B.4.1", Name: "视力", NameEN: "Vision",
				Definition: "感受存在的光线并感受物体的大小、形状的能力。在个体的最好矫正视力下进行评估",
				Options: []Option{
					{2, "视力正常"},
					{1, "能看清楚大字体，但看不清书报上的标准字体；视力有限，看不清报纸大标题，但能辨认物体"},
					{0, "只能看到光、颜色和形状；完全失明"},
				},
			},
			{
				Code: "B.4.2", Name: "听力", NameEN: "Hearing",
				Definition: "能辨别声音的方位、音调、音量和音质的有关能力（可借助平时使用助听设备等）",
				Options: []Option{
					{2, "听力正常"},
					{1, "在轻声说话或说话距离超过2 m时听不清；正常交流有些困难，需在安静的环境或大声说话才能听到"},
					{0, "讲话者大声说话或说话很慢，才能部分听见；完全失聪"},
				},
			},
			{
				Code: "B.4.3", Name: "执行日常事务", NameEN: "Managing daily affairs",
				Definition: "计划、安排并完成日常事务，包括但不限于洗衣服、小金额购物、服药管理",
				Options: []Option{
					{4, "能完全独立计划、安排和完成日常事务，无需协助"},
					{3, "在计划、安排和完成日常事务时需要他人监护或指导"},
					{2, "在计划、安排和完成日常事务时需要少量协助"},
					{1, "在计划、安排和完成日常事务时需要大量协助"},
					{0, "完全依赖他人进行日常事务"},
				},
			},
			{
				Code: "B.4.4", Name: "使用交通工具外出", NameEN: "Going out by transport",
				Options: []Option{
					{3, "能自己骑车或搭乘公共交通工具外出"},
					{2, "能自己搭乘出租车，但不会搭乘其他公共交通工具外出"},
					{1, "当有人协助或陪伴，可搭乘公共交通工具外出"},
					{0, "只能在他人协助下搭乘出租车或私家车外出；完全不能出门，或者外出完全需要协助"},
				},
			},
			{
				Code: "B.4.5", Name: "社会交往能力", NameEN: "Social interaction",
				Options: []Option{
					{4, "参与社会，在社会环境有一定的适应能力，待人接物恰当"},
					{3, "能适应单纯环境，主动接触他人，初见面时难让人发现智力问题，不能理解隐喻语"},
					{2, "脱离社会，可被动接触，不会主动待人，谈话中很多不适词句，容易上当受骗"},
					{1, "勉强可与他人接触，谈吐内容不清楚，表情不恰当"},
					{0, "不能与人交往"},
				},
			},
		},
	},
}

// scored is the form flattened for Score: one entry per item, in form order.
type scored struct {
	code    string
	dim     int
	allowed uint16 // bit s set when s is a score the item allows
}

var (
	items  []scored
	byCode = map[string]*Item{}
)

func init() {
	for d := range form {
		for i := range form[d].Items {
			it := &form[d].Items[i]
			var allowed uint16
			for _, o := range it.Options {
				allowed |= 1 << o.Score
			}
			items = append(items, scored{code: it.Code, dim: d, allowed: allowed})
			byCode[it.Code] = it
		}
	}
}

// Dimensions returns a copy of the form of annex B, safe to modify.
func Dimensions() []Dimension {
	out := make([]Dimension, len(form))
	for d, dim := range form {
		out[d] = dim
		out[d].Items = make([]Item, len(dim.Items))
		for i, it := range dim.Items {
			out[d].Items[i] = copyItem(it)
		}
	}
	return out
}

// LookupItem returns the item with the given code, such as "B.3.9".
func LookupItem(code string) (Item, bool) {
	it, ok := byCode[code]
	if !ok {
		return Item{}, false
	}
	return copyItem(*it), true
}

func copyItem(it Item) Item {
	it.Options = append([]Option(nil), it.Options...)
	return it
}
