package benefits

import (
	"fmt"

	"github.com/yanglao/yanglao"
)

// The Chenzhou list: the annex 《郴州市基本养老服务清单》 of 郴政办发〔2023〕14号
// (shared/seeds/chenzhou-city-2023-basic-service-list.txt, lines 89–124),
// the default list this module ships. Each item below cites its annex item
// number and the line of the seed file where its row is; the rules encode the
// row's 服务对象 and 服务内容及标准, and Note records what the row leaves open.
const (
	// ChenzhouRegion is 郴州市.
	ChenzhouRegion = "431000000000"
	// ChenzhouDocument is the legal source of every item.
	ChenzhouDocument = "郴政办发〔2023〕14号 附件《郴州市基本养老服务清单》"
)

// ChenzhouFrom is the day the list takes effect: the document was signed and
// issued on 2023-04-19 (签署日期, 发文日期) and names no other date. Its
// 信息时效期 (2028-04-19) is a publication date, not an end of the policy, so
// the items stay in force (To zero) until a new version replaces them.
var ChenzhouFrom = yanglao.Date{Year: 2023, Month: 4, Day: 19}

// Fragments shared by several rules.
const (
	// 本市户籍 / 本市 (items 7–10): 郴州市, by the region path.
	chenzhouHouseholdArg = `"431000"`
	// 经济困难 ("符合当地规定的经济困难", items 5, 14, 16): decision, the
	// annex leaves it to local rules — a person with an active 低保, 低收入 or
	// 特困 status.
	econ = `(status("dibao") or status("low_income") or status("tekun_dispersed") or status("tekun_centralised"))`
	// 失能（失智） (items 5, 15, 17, 21): decision — an assessment grade of 2
	// (中度受损) or worse under GB/T 42195-2022, or a 失能 or 失智 status
	// recorded by a department.
	disabled = `(grade >= 2 or status("disabled") or status("dementia"))`
	// 重度残疾 (items 15, 21, 24): disability certificate grade 一级 or 二级
	// ("残疾等级评定为一级、二级", item 24), or the 重度残疾 status.
	severe = `(disability_grade between 1 and 2 or status("severe_disability"))`
)

func chenzhouItems() []Item {
	src := func(n int) string { return fmt.Sprintf("%s 第%d项", ChenzhouDocument, n) }
	const (
		target1to10 = "达到待遇享受年龄的老年人"
	)
	return []Item{
		{ // Annex item 1, seed line 94.
			Code: "CZ-01", Name: "职工基本养老保险", NameEN: "employee basic pension",
			Target: target1to10, Content: "为符合条件的参保老年人按时足额发放基本养老金。",
			Type: Material, Lead: "市人社局", Source: src(1), Application: OnApplication,
			Eligibility: `employee_pension`,
			Note:        "领取资格由人社部门认定，本平台读取 employee_pension 标记，不发放养老金。Eligibility is decided by HR & social security; the platform reads the employee_pension flag and pays nothing.",
		},
		{ // Annex item 2, seed line 95.
			Code: "CZ-02", Name: "城乡居民基本养老保险", NameEN: "urban and rural residents' basic pension",
			Target: target1to10, Content: "为符合条件的参保老年人发放基础养老金和个人账户养老金。",
			Type: Material, Lead: "市人社局", Source: src(2), Application: OnApplication,
			// 待遇领取年龄 60周岁: 国发〔2014〕8号 (城乡居民基本养老保险) 第七条.
			Eligibility: `age >= 60 and resident_pension`,
			Note:        "养老金由人社部门发放，本平台只显示资格。Paid by HR & social security; the platform shows eligibility only.",
		},
		{ // Annex item 3, seed line 96: "为符合条件的65周岁及以上老年人，每年提供1次健康管理服务".
			Code: "CZ-03", Name: "健康管理服务", NameEN: "health management service",
			Target:  target1to10,
			Content: "基层医疗卫生机构为符合条件的65周岁及以上老年人，每年提供1次健康管理服务，内容包括生活方式和健康状况评估、体格检查、辅助检查和健康指导；每年提供1次中医药健康管理服务，内容包括中医体质辨识和中医药保健指导。",
			Type:    Care, Lead: "市卫生健康委", Source: src(3), Application: NoApplication,
			Eligibility: `age >= 65`,
		},
		{ // Annex item 4, seed line 97: "对于60周岁及以上老年人".
			Code: "CZ-04", Name: "就医便利服务", NameEN: "convenient medical care",
			Target:  target1to10,
			Content: "对于60周岁及以上老年人，医疗卫生机构应当通过完善挂号、诊疗系统管理等，开设专用窗口或快速通道、提供导医服务等方式，为老年人就医提供方便和优先服务。",
			Type:    Care, Lead: "市卫生健康委", Source: src(4), Application: NoApplication,
			Eligibility: `age >= 60`,
		},
		{ // Annex item 5, seed line 98: "符合当地规定的经济困难的高龄、失能（失智）、计划生育特殊家庭老年人".
			Code: "CZ-05", Name: "居家上门服务", NameEN: "home-visit services",
			Target:  target1to10,
			Content: "为符合当地规定的经济困难的高龄、失能（失智）、计划生育特殊家庭老年人，通过政府购买服务的方式引入第三方专业服务组织，提供助餐、助洁、助浴、助医、助行、助急等居家上门服务。",
			Type:    Care, Lead: "市民政局", Source: src(5), Application: OnApplication,
			Eligibility: `age >= 60 and ` + econ + ` and (age >= 80 or ` + disabled + ` or status("special_family"))`,
			Note:        "高龄按80周岁及以上（与第12项一致）。高龄 is 80 and over, as in item 12.",
		},
		{ // Annex item 6, seed line 101: 本市户籍60周岁以上 …; "外地来我市老年人，凭有效证件同等享受本条优待".
			Code: "CZ-06", Name: "老年人旅游休闲、文化活动优待", NameEN: "free entry to parks, museums and venues",
			Target:  target1to10,
			Content: "1.本市户籍60周岁以上老年人凭有效证件免费进入政府投资主办的旅游景区、公园、动物园、植物园、纪念馆、科技馆、文化馆、图书馆、美术馆、博物馆、体育场馆等场所。2.80周岁以上老年人需要陪护的，可以有1名陪护人员免费进入。鼓励旅游景区内实行收费的游览观光交通工具、体育健身项目对老年人给予优惠。3.外地来我市老年人，凭有效证件同等享受本条优待。",
			Type:    Concern, Lead: "市文旅广体局、市发改委、市城管和综合执法局等", Source: src(6), Application: NoApplication,
			// "以上" includes the number itself (民法典 第一千二百五十九条).
			Eligibility: `age >= 60`,
			Note:        "第3款使外地老年人同等享受，故不查户籍；80周岁以上的陪护人员免费由场馆现场执行。Clause 3 extends it to visitors, so household registration is not checked.",
		},
		{ // Annex item 7, seed line 102: "具有本市户籍的65周岁以上（含65周岁）老年人乘坐城市公交车给予优待".
			Code: "CZ-07", Name: "老年人交通出行优待", NameEN: "city bus concession",
			Target: target1to10, Content: "具有本市户籍的65周岁以上（含65周岁）老年人乘坐城市公交车给予优待。",
			Type: Concern, Lead: "市交通运输局、市发改委", Source: src(7), Application: OnApplication,
			Eligibility: `age >= 65 and household_in_region(` + chenzhouHouseholdArg + `)`,
			Note:        "优待凭老年人乘车卡，办卡依申请。The concession card is issued on application.",
		},
		{ // Annex item 8, seed line 103.
			Code: "CZ-08", Name: "老年人法律援助", NameEN: "legal aid",
			Target:  target1to10,
			Content: "司法行政部门应当建立健全法律援助服务网络，简化申请程序，为本市户籍60周岁及以上老年人就近申请和获得法律援助提供便利，对符合法律援助条件的应依法给予援助。外市籍老年人在我市居住取得居住证并符合法律援助条件的，同等享受本条优待。",
			Type:    Concern, Lead: "市司法局", Source: src(8), Application: OnApplication,
			Eligibility: `age >= 60 and (household_in_region(` + chenzhouHouseholdArg + `) or in_region(` + chenzhouHouseholdArg + `))`,
			Note:        "外市籍居住证持有人以常住地在本市近似。Holders of a residence permit are approximated by residence in the city.",
		},
		{ // Annex item 9, seed line 104.
			Code: "CZ-09", Name: "老年人住房救助", NameEN: "housing assistance",
			Target:  target1to10,
			Content: "对本市城镇户籍60周岁及以上符合住房保障条件的低保、低收入住房困难的老年人家庭，优先纳入住房保障范围，实行实物配租或发放租赁补贴的方式给予保障。",
			Type:    Material, Lead: "市住建局", Source: src(9), Application: OnApplication,
			Eligibility: `age >= 60 and household_in_region(` + chenzhouHouseholdArg + `) and urban_household and (status("dibao") or status("low_income")) and housing_difficulty`,
			Note:        "实物配租或租赁补贴由住建部门核定，不按月发放。Rent subsidy or a flat is decided by housing authorities; not a monthly payment here.",
		},
		{ // Annex item 10, seed line 105.
			Code: "CZ-10", Name: "老年人家庭（个人）临时救助", NameEN: "temporary assistance",
			Target:  target1to10,
			Content: "对遭遇突发事件、意外伤害、重大疾病或其他特殊原因导致基本生活陷入困境，其他社会救助制度暂时无法覆盖或救助之后，基本生活暂时仍有严重困难的本市户籍60周岁及以上老年人家庭或个人给予应急性、过渡性的救助。",
			Type:    Material, Lead: "市民政局", Source: src(10), Application: OnApplication,
			Eligibility: `age >= 60 and household_in_region(` + chenzhouHouseholdArg + `) and sudden_hardship`,
			Note:        "临时救助为一次性救助，不按月发放。A one-off payment, not monthly.",
		},
		{ // Annex item 11, seed line 106; target group "65周岁及以上老年人".
			Code: "CZ-11", Name: "老年人能力综合评估", NameEN: "capability assessment",
			Target: "65周岁及以上老年人", Content: "为有需求的老年人提供能力综合评估，可与基本公共卫生服务结合，做好老年人能力综合评估与健康状况评估的衔接。",
			Type: Care, Lead: "市民政局、市卫生健康委", Source: src(11), Application: OnApplication,
			Eligibility: `age >= 65`,
			Note:        "依申请：“依申请为65周岁及以上有需求的老年人提供能力综合评估”（郯城 §1）。On application, as Tancheng §1 puts it.",
		},
		{ // Annex item 12, seed line 107: "为80周岁以上无固定收入的老年人发放高龄津贴。现行发放标准：
			// 80-89周岁按照80元/人/月标准发放；90-99周岁按照150元/人/月标准发放。"
			Code: "CZ-12", Name: "高龄津贴", NameEN: "old-age allowance",
			Target:  "80周岁及以上老年人",
			Content: "为80周岁以上无固定收入的老年人发放高龄津贴。现行发放标准：80-89周岁按照80元/人/月标准发放；90-99周岁按照150元/人/月标准发放。",
			Type:    Material, Lead: "市民政局、市财政局", Source: src(12), Application: NoApplication,
			// "80周岁以上" includes 80 (民法典 第一千二百五十九条: 以上包括本数). The
			// standard names 80-89 and 90-99 only; from 100 item 13 applies.
			Eligibility: `age between 80 and 99 and no_fixed_income`,
			Amount:      `if age >= 90 then 150元 else 80元`,
			Note:        "100周岁起改发第13项百岁补贴，不再发高龄津贴（标准只列到99周岁）。From 100 item 13 replaces it: the standard stops at 99. 免申请：满80、90周岁当月按数据静默认证。",
		},
		{ // Annex item 13, seed line 110: "为100周岁及以上老年人发放百岁老年人长寿保健补贴。现行发放标准：600元/人/月。"
			Code: "CZ-13", Name: "百岁老年人长寿保健补贴", NameEN: "centenarian longevity allowance",
			Target:  "80周岁及以上老年人",
			Content: "为100周岁及以上老年人发放百岁老年人长寿保健补贴。现行发放标准：600元/人/月。",
			Type:    Material, Lead: "市民政局、市财政局", Source: src(13), Application: NoApplication,
			Eligibility: `age >= 100`,
			Amount:      `600元`,
			Note:        "无收入条件（原文未设）。No income condition: the row sets none.",
		},
		{ // Annex item 14, seed line 111.
			Code: "CZ-14", Name: "养老服务补贴", NameEN: "elderly-care service subsidy",
			Target: "经济困难的老年人", Content: "为经济困难的老年人提供养老服务补贴。",
			Type: Material, Lead: "市民政局", Source: src(14), Application: NoApplication,
			Eligibility: `age >= 60 and ` + econ,
			Amount:      ParamServiceSubsidy,
			Note:        "金额为当地标准（参数 service_subsidy_standard），清单未定。免申请：经济困难老年人补贴“免申请静默认证”（郯城 §1）。The amount is the local standard, a parameter.",
		},
		{ // Annex item 15, seed line 112.
			Code: "CZ-15", Name: "居家适老化改造", NameEN: "home adaptation for old age",
			Target:  "经济困难的老年人",
			Content: "通过政府补贴等方式，为分散供养特困老年人家庭以及低保对象中的高龄、失能、重度残疾的老年人家庭，提供居家适老化改造服务。",
			Type:    Care, Lead: "市民政局", Source: src(15), Application: OnApplication,
			Eligibility: `age >= 60 and (status("tekun_dispersed") or status("dibao") and (age >= 80 or ` + disabled + ` or ` + severe + `))`,
		},
		{ // Annex item 16, seed line 113: "为经认定生活不能自理的经济困难的老年人提供护理补贴。"
			Code: "CZ-16", Name: "护理补贴", NameEN: "care subsidy",
			Target: "经认定生活不能自理的老年人", Content: "为经认定生活不能自理的经济困难的老年人提供护理补贴。",
			Type: Material, Lead: "市民政局", Source: src(16), Application: NoApplication,
			// "经认定生活不能自理": a valid GB/T 42195-2022 assessment of grade 2
			// (中度受损) or worse — an assessment, not just a recorded status.
			Eligibility: `age >= 60 and grade >= 2 and ` + econ,
			Amount:      ParamCareSubsidy,
			Note:        "生活不能自理按有效能力评估等级≥2（中度受损及以上）认定；金额为当地标准（参数 care_subsidy_standard）。免申请：新评估结果触发静默认证。Grade 2 or worse in a valid assessment; the amount is the local standard.",
		},
		{ // Annex item 17, seed line 114.
			Code: "CZ-17", Name: "家庭养老支持服务", NameEN: "family caregiver training",
			Target: "经认定生活不能自理的老年人", Content: "符合条件的失能老年人家庭成员参加照护培训等相关职业技能培训的，按规定给予职业培训补贴。",
			Type: Care, Lead: "市人社局、市民政局", Source: src(17), Application: OnApplication,
			Eligibility: `age >= 60 and ` + disabled,
			Note:        "补贴发给参加培训的家庭成员，依申请。The subsidy goes to the family member who trains.",
		},
		{ // Annex item 18, seed line 115.
			Code: "CZ-18", Name: "最低社会保障", NameEN: "minimum living security",
			Target: "纳入最低生活保障范围的老年人", Content: "对获得最低生活保障金后生活仍有困难的老年人，采取必要措施给予生活保障。",
			Type: Material, Lead: "市民政局", Source: src(18), Application: NoApplication,
			Eligibility: `age >= 60 and status("dibao")`,
			Note:        "低保金本身按低保制度发放；本项为其后的必要保障措施，无固定金额。The dibao payment itself is paid under the dibao system; this item has no fixed amount.",
		},
		{ // Annex item 19, seed line 116: "… 60周岁及以上特困老年人 … 基本生活标准不低于当地最低生活保障标准的1.3倍".
			Code: "CZ-19", Name: "分散供养", NameEN: "dispersed support for people in extreme poverty",
			Target:  "特困老年人",
			Content: "为无劳动能力、无生活来源、无法定赡养扶养义务人或者其法定义务人无履行义务能力的，自愿选择在家供养的60周岁及以上特困老年人，县级人民政府民政部门给予分散供养，提供基本生活条件、疾病治疗、办理丧葬事宜等，基本生活标准不低于当地最低生活保障标准的1.3倍，对生活不能自理的按照有关规定给予照料。",
			Type:    Care, Lead: "市民政局", Source: src(19), Application: NoApplication,
			Eligibility: `age >= 60 and status("tekun_dispersed")`,
			// "不低于当地最低生活保障标准的1.3倍": the minimum, rounded up to the fen.
			Amount: ParamDibao + ` * 1.3`,
			Note:   "金额取下限：当地低保标准×1.3，向上取整到分。特困身份本身依申请认定，身份生效后供养不再另行申请。The floor of the standard; the 特困 status is decided on application, the support then follows from it.",
		},
		{ // Annex item 20, seed line 117.
			Code: "CZ-20", Name: "集中供养", NameEN: "centralised support for people in extreme poverty",
			Target:  "特困老年人",
			Content: "为无劳动能力、无生活来源、无法定赡养扶养义务人或者其法定义务人无履行义务能力的，自愿选择集中供养以及因失能等原因需要机构专业照护服务的60周岁及以上特困老年人，县级人民政府民政部门就近安排到相应供养服务机构，提供基本生活条件、疾病治疗、办理丧葬事宜等，基本生活标准不低于当地最低生活保障标准的1.3倍，对生活不能自理的按照有关规定给予照料。",
			Type:    Care, Lead: "市民政局", Source: src(20), Application: NoApplication,
			Eligibility: `age >= 60 and status("tekun_centralised")`,
			Amount:      ParamDibao + ` * 1.3`,
			Note:        "基本生活费拨付供养服务机构。The basic living money goes to the institution.",
		},
		{ // Annex item 21, seed line 120: "独居、空巢、留守、失能、重残、计划生育特殊家庭等特殊困难老年人".
			Code: "CZ-21", Name: "探访服务", NameEN: "care visits",
			Target:  "特殊困难老年人",
			Content: "为独居、空巢、留守、失能、重残、计划生育特殊家庭等特殊困难老年人，通过政府购买服务等方式，由基层组织、社会组织等开展居家探访与帮扶服务。",
			Type:    Concern, Lead: "市民政局", Source: src(21), Application: NoApplication,
			Eligibility: `age >= 60 and (living in ["alone", "empty_nest"] or status("left_behind") or ` + disabled + ` or ` + severe + ` or status("special_family"))`,
			Note:        "主动探访，探访率100%（实施意见第五条）。Visits are proactive, 100 % (§5).",
		},
		{ // Annex item 22, seed line 121.
			Code: "CZ-22", Name: "集中供养或优惠服务", NameEN: "honour home care for entitled groups",
			Target:  "对国家和社会作出特殊贡献的老年人",
			Content: "1.老年、残疾的烈士遗属、因公牺牲军人遗属、病故军人遗属和进入老年的残疾军人、复员军人、退伍军人，无法定赡养人、扶养人、抚养人或者法定赡养人、扶养人、抚养人无赡养、扶养、抚养能力且享受国家定期抚恤补助待遇的为集中供养对象，可以申请享受光荣院集中供养待遇。2.光荣院在保障好集中供养对象的前提下，可利用空余床位为其他老年且无法定赡养人、扶养人或者法定赡养人、扶养人无赡养、扶养能力的抚恤优待对象提供优惠服务。",
			Type:    Care, Lead: "市退役军人事务局", Source: src(22), Application: OnApplication,
			Eligibility: `age >= 60 and status("veteran")`,
			Note:        "“可以申请”：依申请；赡养人条件由退役军人事务部门审核。On application; the condition on supporters is checked by veterans' affairs.",
		},
		{ // Annex item 23, seed line 122.
			Code: "CZ-23", Name: "优先享受机构养老", NameEN: "priority admission to public care homes",
			Target: "计划生育特殊家庭老年人", Content: "同等条件下优先入住政府投资兴办的养老机构。",
			Type: Care, Lead: "市民政局", Source: src(23), Application: OnApplication,
			Eligibility: `age >= 60 and status("special_family")`,
		},
		{ // Annex item 24, seed line 123: 最低生活保障家庭中的残疾老年人 … 生活补贴；
			// 残疾等级评定为一级、二级且需要长期照护的重度残疾老年人 … 护理补贴.
			Code: "CZ-24", Name: "困难残疾人生活补贴和重度残疾人护理补贴", NameEN: "subsidies for disabled people in difficulty and severely disabled people",
			Target:  "经认定符合条件的残疾老年人",
			Content: "为最低生活保障家庭中的残疾老年人（经认定符合人生活补贴条件的困难残疾老年人），按当地规定标准发放困难残疾老年人生活补贴；为残疾等级评定为一级、二级且需要长期照护的重度残疾老年人提供护理补贴。",
			Type:    Material, Lead: "市民政局", Source: src(24), Application: OnApplication,
			Eligibility: `age >= 60 and (disability_grade between 1 and 4 and status("dibao") or disability_grade between 1 and 2)`,
			Amount: `(if disability_grade between 1 and 4 and status("dibao") then ` + ParamDisabledLiving + ` else 0元)` +
				` + (if disability_grade between 1 and 2 then ` + ParamDisabledCare + ` else 0元)`,
			Note: "两项补贴可同时享受；“需要长期照护”以一、二级残疾认定；金额为当地标准（参数）。Both parts can apply; grades 1–2 stand for 'needs long-term care'; amounts are local parameters.",
		},
		{ // Annex item 25, seed line 124.
			Code: "CZ-25", Name: "社会救助", NameEN: "assistance to people without means",
			Target: "生活无着落的流浪、乞讨老年人", Content: "对流浪乞讨、走失、遭受虐待、遗弃等生活无着的老年人，提供临时救助、救治、关爱、护送和安置。",
			Type: Care | Material, Lead: "市民政局", Source: src(25), Application: OnApplication,
			Eligibility: `age >= 60 and homeless`,
			Note:        "由救助管理机构求助受理或巡查发现后提供。Given when the person asks a rescue station or is found by patrols.",
		},
	}
}

// Chenzhou returns a fresh copy of the Chenzhou list, all 25 items in force
// from ChenzhouFrom.
func Chenzhou() *List {
	l, err := NewList(ChenzhouRegion, "郴州市基本养老服务清单")
	if err != nil {
		panic(err)
	}
	for _, it := range chenzhouItems() {
		it.From = ChenzhouFrom
		if _, err := l.Add(it); err != nil {
			panic(fmt.Sprintf("benefits: Chenzhou item %s: %v", it.Code, err))
		}
	}
	return l
}
