package demogen

import "strings"

// weighted is a value with a relative weight (or a probability, by context).
type weighted[T any] struct {
	v T
	w float64
}

// surnames are the 100 commonest surnames in the order of the household
// register ranking (公安部户政管理研究中心《二〇二〇年全国姓名报告》 and its
// predecessors), with 欧阳 added for Hunan. Weights are approximate shares in
// per mille of the population: 王 7.1 %, 李 7.0 %, 张 6.4 %, 刘 5.3 %, 陈 4.6 %
// … decreasing to about 0.15 % at rank 100. Good enough for realistic demo
// names; not a statistic.
var surnames = []weighted[string]{
	{"王", 71}, {"李", 70}, {"张", 64}, {"刘", 53}, {"陈", 46}, {"杨", 31}, {"黄", 22}, {"赵", 22}, {"吴", 18}, {"周", 18},
	{"徐", 13}, {"孙", 13}, {"马", 12}, {"朱", 12}, {"胡", 11}, {"郭", 11}, {"何", 10}, {"林", 9.5}, {"高", 9.3}, {"罗", 9},
	{"郑", 8.4}, {"梁", 8}, {"谢", 6.9}, {"宋", 6.6}, {"唐", 6.4}, {"许", 6.1}, {"韩", 6}, {"邓", 5.9}, {"冯", 5.8}, {"曹", 5.6},
	{"彭", 5.5}, {"曾", 5.4}, {"肖", 5.3}, {"田", 5.2}, {"董", 5}, {"潘", 4.8}, {"袁", 4.8}, {"蔡", 4.6}, {"蒋", 4.5}, {"余", 4.4},
	{"于", 4.3}, {"杜", 4.2}, {"叶", 4.2}, {"程", 4.1}, {"魏", 4}, {"苏", 3.9}, {"吕", 3.8}, {"丁", 3.7}, {"任", 3.7}, {"卢", 3.6},
	{"姚", 3.5}, {"沈", 3.4}, {"钟", 3.4}, {"姜", 3.3}, {"崔", 3.2}, {"谭", 3.2}, {"陆", 3.1}, {"范", 3}, {"汪", 3}, {"廖", 2.9},
	{"石", 2.9}, {"金", 2.8}, {"韦", 2.8}, {"贾", 2.7}, {"夏", 2.6}, {"付", 2.6}, {"方", 2.5}, {"邹", 2.5}, {"熊", 2.4}, {"白", 2.4},
	{"孟", 2.3}, {"秦", 2.3}, {"邱", 2.2}, {"侯", 2.2}, {"江", 2.1}, {"尹", 2.1}, {"薛", 2}, {"闫", 2}, {"段", 1.9}, {"雷", 1.9},
	{"龙", 1.8}, {"黎", 1.8}, {"史", 1.8}, {"陶", 1.7}, {"贺", 1.7}, {"毛", 1.7}, {"郝", 1.6}, {"顾", 1.6}, {"龚", 1.6}, {"邵", 1.6},
	{"万", 1.5}, {"覃", 1.5}, {"武", 1.5}, {"钱", 1.5}, {"戴", 1.5}, {"严", 1.4}, {"莫", 1.4}, {"孔", 1.4}, {"向", 1.4}, {"常", 1.4},
	{"欧阳", 0.6},
}

// Given names typical of people born 1920–1965, two characters mostly, one
// sometimes; men's and women's differ. A demo list.
var (
	menGiven = splitNames(`建国 建华 建军 建平 建明 国华 国强 国平 国庆 国荣 国栋 志强 志明 志华 志刚 德明 德华 德胜 德兴
		福生 福林 福贵 金生 长生 春生 海生 水生 根生 秋生 冬生 永福 永生 永华 永康 永强 文华 文明 文斌 文清 立新 卫国 卫东
		振华 家福 家明 有才 有福 有财 满仓 来福 富贵 光明 光辉 明华 明德 新民 新华 学文 学军 庆华 庆丰 玉林 玉成 树林 树生
		连生 保国 保华 宝山 铁牛 石生 桂生 贵生 正华 正明 继红 继光 解放 跃进 援朝 胜利 先锋 和平 民生 崇德 昌盛`)
	menSingle = splitNames(`军 伟 斌 林 勇 刚 强 平 华 明 兵 成 杰 彪 忠 义 福 贵 祥 荣`)

	womenGiven = splitNames(`秀英 桂英 秀兰 玉兰 桂兰 凤英 淑珍 秀珍 玉珍 翠兰 桂芳 冬梅 春花 桂香 秀芳 玉梅 菊香 春兰 秀云
		桂珍 玉英 淑英 凤兰 金花 银花 兰英 爱华 爱莲 美华 素珍 秀梅 丽华 玉华 红梅 月娥 彩霞 桂花 荷花 菊花 秋菊 腊梅
		莲英 素英 淑兰 玉芳 玉琴 秀琴 金凤 淑华 秀华 春梅 雪梅 冬英 凤珍 凤霞 玉莲 满英 桂莲 招娣 来娣 秀娥 翠英 美英
		佩兰 惠兰 慧珍 新华 建英 建华 卫红 红英 爱民 玉凤 桂凤 秀凤`)
	womenSingle = splitNames(`英 兰 珍 芳 梅 霞 华 琴 莲 凤 娟 萍 慧 敏 娥`)
)

func splitNames(s string) []string { return strings.Fields(s) }

// ethnicities are the 56 nationalities (民族) as the register spells them.
var ethnicities = splitNames(`汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族
	哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族
	布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族
	京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族`)

// minoritiesByProvince are the larger minorities of a province (by its
// 2-digit code), used outside autonomous areas; elsewhere nationalMinorities.
var minoritiesByProvince = map[string][]string{
	"11": {"满族", "回族", "蒙古族"},
	"37": {"回族", "满族", "蒙古族"},
	"43": {"土家族", "苗族", "侗族", "瑶族", "白族", "回族"},
	"45": {"壮族", "瑶族", "苗族", "侗族"},
	"52": {"苗族", "布依族", "侗族", "土家族", "彝族"},
	"53": {"彝族", "哈尼族", "白族", "傣族", "壮族", "苗族"},
	"62": {"回族", "藏族", "东乡族"},
	"63": {"藏族", "回族", "土族", "撒拉族"},
	"64": {"回族"},
	"65": {"维吾尔族", "哈萨克族", "回族", "柯尔克孜族"},
	"54": {"藏族", "门巴族"},
	"15": {"蒙古族", "满族", "回族"},
	"22": {"朝鲜族", "满族", "蒙古族"},
	"21": {"满族", "蒙古族", "回族", "朝鲜族"},
	"23": {"满族", "朝鲜族", "蒙古族"},
	"46": {"黎族", "苗族"},
}

var nationalMinorities = []string{"壮族", "回族", "满族", "苗族", "维吾尔族", "土家族", "彝族", "蒙古族", "藏族", "侗族", "瑶族"}

// Ethnic shares. Nationally 汉族 are 91.11 % (第七次全国人口普查公报（第四号）),
// but minorities live mostly in their own areas: outside an autonomous area
// 4 % minorities (demo choice); in an autonomous prefecture or county
// (…族自治州/县) 60 % belong to its named nationalities.
const (
	minorityShare           = 0.04
	autonomousMinorityShare = 0.60
)

// autonomousNationalities returns the nationalities named by an autonomous
// area's name, such as 湘西土家族苗族自治州 → 土家族, 苗族, in the order named.
func autonomousNationalities(name string) []string {
	i := strings.Index(name, "自治")
	if i < 0 {
		return nil
	}
	head := name[:i]
	var out []string
	for len(head) > 0 {
		best, at := "", -1
		for _, e := range ethnicities[1:] {
			if j := strings.Index(head, e); j >= 0 && (at < 0 || j < at || j == at && len(e) > len(best)) {
				best, at = e, j
			}
		}
		if at < 0 {
			break
		}
		out = append(out, best)
		head = head[at+len(best):]
	}
	return out
}

// mobilePrefixes are mainland mobile number segments (号段) of the three operators.
var mobilePrefixes = splitNames(`130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159
	166 173 175 176 177 180 181 182 183 184 185 186 187 188 189 191 198 199`)

// Places children work when they are away (where a person moves to, too).
var awayCities = splitNames(`广东省深圳市 广东省广州市 广东省东莞市 浙江省杭州市 浙江省宁波市 上海市 北京市 江苏省苏州市
	福建省厦门市 湖北省武汉市 湖南省长沙市 四川省成都市`)
