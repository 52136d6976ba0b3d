package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
)

// navLink is one entry of the main menu.
type navLink struct {
	Href, Label string
	Current     bool
}

// manages reports whether the actor administers accounts and organisations.
// It only decides what the UI offers; the services decide what is allowed.
func manages(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial)
}

// navFor is the main menu of a role.
func navFor(a *yanglao.Actor, lang, current string) []navLink {
	if a == nil {
		return nil
	}
	type item struct{ href, zh, en string }
	items := []item{{"/", "首页", "Home"}}
	register := item{"/people", "老年人名册", "Register"}
	worklist := item{"/assessments/worklist", "复评清单", "Reassessments"}
	imports := item{"/import", "导入导出", "Import and export"}       // the roles that may write the register (sqldb canWriteRegister)
	benefitList := item{"/benefits/list", "服务清单", "Service list"} // the basic service list and its benefits (issue 4)
	batches := item{"/batches", "补贴发放", "Payments"}
	switch a.Role {
	case yanglao.RoleAdmin:
		items = append(items, register, imports, worklist, benefitList, batches, item{"/users", "账号", "Accounts"}, item{"/orgs", "机构", "Organisations"},
			item{"/regions", "区划", "Regions"}, item{"/audit", "审计日志", "Audit log"}, item{"/api/docs", "API 文档", "API docs"})
	case yanglao.RoleOfficial:
		items = append(items, register, imports, worklist, benefitList, batches, item{"/users", "账号", "Accounts"}, item{"/orgs", "机构", "Organisations"}, item{"/regions", "区划", "Regions"})
	case yanglao.RoleWorker:
		items = append(items, register, imports, item{"/regions", "区划", "Regions"})
	case yanglao.RoleEmergency:
		items = append(items, register, item{"/regions", "区划", "Regions"})
	case yanglao.RoleAssessor:
		items = append(items, worklist, register, imports, item{"/regions", "区划", "Regions"})
	case yanglao.RoleElder, yanglao.RoleFamily:
		// A short menu: their home does the rest with big buttons.
	default:
		items = append(items, item{"/regions", "区划", "Regions"})
	}
	// Care visits and mandatory reports (issue 6).
	switch a.Role {
	case yanglao.RoleAdmin, yanglao.RoleOfficial, yanglao.RoleWorker:
		items = append(items, item{"/carevisits", "探访关爱", "Care visits"}, item{"/carevisits/rates", "探访率", "Visit rate"}, item{"/abuse-reports", "强制报告", "Abuse reports"})
	case yanglao.RoleCaregiver:
		items = append(items, item{"/carevisits", "我的探访", "My visits"})
	case yanglao.RoleAssessor:
		items = append(items, item{"/carevisits/followups?kind=assessment", "评估申请", "Assessment requests"})
	}
	for _, it := range orderNav(a.Role) {
		items = append(items, item{it[0], it[1], it[2]})
	}
	// Meals and vouchers (issue 5).
	switch a.Role {
	case yanglao.RoleAdmin, yanglao.RoleOfficial:
		items = append(items, item{"/canteens", "助餐", "Meals"}, item{"/vouchers", "消费券", "Vouchers"})
	case yanglao.RoleOperator:
		items = append(items, item{"/canteens", "食堂", "Canteen"})
	case yanglao.RoleElder, yanglao.RoleFamily:
		items = append(items, item{"/meals", "订餐", "Order a meal"}, item{"/vouchers", "消费券", "Vouchers"})
	}
	// Home devices and emergency alarms (issue 6).
	board, devices, report := item{"/alarms", "警情值守", "Alarm board"}, item{"/devices", "设备", "Devices"}, item{"/alarms/report", "接警报表", "Alarm report"}
	switch a.Role {
	case yanglao.RoleEmergency, yanglao.RoleAdmin, yanglao.RoleOfficial:
		items = append(items, board, devices, report)
	case yanglao.RoleWorker:
		items = append(items, devices, board)
	}
	// Home-care services: catalogue, providers, caregivers (issue 5).
	switch a.Role {
	case yanglao.RoleAdmin, yanglao.RoleOfficial:
		items = append(items, item{"/services", "居家服务配置", "Home-care setup"}, item{"/caregivers", "护理员", "Caregivers"})
	case yanglao.RoleDispatcher:
		items = append(items, item{"/providers", "本组织", "My provider"}, item{"/caregivers", "护理员", "Caregivers"})
	}
	items = append(items, item{"/account", "我的账号", "My account"})
	out := make([]navLink, len(items))
	for i, it := range items {
		cur := it.href == current || (it.href != "/" && strings.HasPrefix(current, it.href+"/"))
		out[i] = navLink{Href: it.href, Label: tr(lang, it.zh, it.en), Current: cur}
	}
	return out
}

// crumbsData is the region breadcrumb: the trail from the province down, and the node itself.
type crumbsData struct {
	Lang  string
	Trail []*yanglao.Region
	Here  *yanglao.Region
	Link  bool // link each node to the region browser
}

// regionTrail returns a region and its ancestors.
func (s *Server) regionTrail(ctx context.Context, code string) (*yanglao.Region, []*yanglao.Region, error) {
	here, err := s.Regions.Region(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	trail, err := s.Regions.Ancestors(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	return here, trail, nil
}

// regionLabel is "湖南省 › 郴州市 › 北湖区" for a code, or the code itself when unknown.
func (s *Server) regionLabel(ctx context.Context, code string) string {
	here, trail, err := s.regionTrail(ctx, code)
	if err != nil {
		return code
	}
	names := make([]string, 0, len(trail)+1)
	for _, r := range trail {
		if !r.Placeholder {
			names = append(names, r.Name)
		}
	}
	return strings.Join(append(names, here.Name), " › ")
}

// regionNames looks up the regions a page of rows refers to, once each.
func (s *Server) regionNames(ctx context.Context, codes []string) map[string]*yanglao.Region {
	m := map[string]*yanglao.Region{}
	for _, c := range codes {
		if _, ok := m[c]; ok {
			continue
		}
		r, err := s.Regions.Region(ctx, c)
		if err != nil {
			r = &yanglao.Region{Code: c, Name: c}
		}
		m[c] = r
	}
	return m
}

// tile is one card on a home page. A tile without Href is a module still to come:
// shown, marked "coming soon", and not a link.
type tile struct {
	Href, Title, Desc string
}

// stat is one count on a home page.
type stat struct {
	Label, Value, Href string
}

type homeData struct {
	Crumbs crumbsData
	Simple bool // older people and families: a few big buttons
	Stats  []stat
	Tiles  []tile
	Soon   []tile
}

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	u, err := s.Users.User(ctx, a.UserID)
	if err != nil {
		return err
	}
	l := lang(r)
	d := homeData{}
	if here, trail, err := s.regionTrail(ctx, u.RegionCode); err == nil {
		d.Crumbs = crumbsData{Lang: l, Trail: trail, Here: here, Link: u.Role != yanglao.RoleElder && u.Role != yanglao.RoleFamily}
		if manages(a) {
			n, err := s.Users.CountUsers(ctx, yanglao.UserFilter{})
			if err != nil {
				return err
			}
			orgs, err := s.countOrgs(ctx)
			if err != nil {
				return err
			}
			d.Stats = []stat{
				{tr(l, "辖区内账号", "Accounts in your scope"), itoa(n), "/users"},
				{tr(l, "辖区内机构", "Organisations in your scope"), orgs, "/orgs"},
				{tr(l, "下级区划", "Regions directly below"), itoa(here.ChildCount), "/regions/" + here.Code},
			}
			if a.Role == yanglao.RoleAdmin {
				d.Stats[0].Label = tr(l, "全部账号", "All accounts")
				d.Stats[1].Label = tr(l, "全部机构", "All organisations")
				if total, err := s.Regions.CountRegions(ctx); err == nil {
					d.Stats[2] = stat{tr(l, "区划节点", "Region nodes"), itoa(total), "/regions"}
				}
			}
		}
	}
	d.Tiles, d.Soon = tilesFor(u.Role, l, u.RegionCode)
	d.Simple = u.Role == yanglao.RoleElder || u.Role == yanglao.RoleFamily
	p := s.newPage(r, "首页", "Home", d)
	p.User = u
	return s.render(w, http.StatusOK, "home.html", p)
}

// countOrgs counts the organisations in scope.
func (s *Server) countOrgs(ctx context.Context) (string, error) {
	n, err := s.Orgs.CountOrgs(ctx, yanglao.OrgFilter{})
	return itoa(n), err
}

// tilesFor returns what a role can do now, and the modules still to come for it.
// One list per role: a module that lands replaces its "coming soon" tile here.
func tilesFor(role yanglao.Role, l, region string) (now, soon []tile) {
	t := func(href, zh, en, dzh, den string) tile { return tile{href, tr(l, zh, en), tr(l, dzh, den)} }
	soonT := func(zh, en, dzh, den string) tile { return t("", zh, en, dzh, den) }
	regions := t("/regions/"+region, "区划", "Regions", "本辖区的行政区划与下级", "Your region and the regions below it")
	account := t("/account", "我的账号", "My account", "查看资料，修改密码", "Your details; change your password")
	registerT := t("/people", "老年人名册", "Register of older people", "60岁以上老年人基本信息、特困低保等身份、能力评估", "People aged 60+, statuses such as 特困 and 低保, assessments")
	worklistT := t("/assessments/worklist", "复评清单", "Reassessments", "能力评估即将到期或已过期的老年人", "People whose capability assessment is expiring or expired")
	benefitsT := t("/benefits/list", "基本养老服务清单", "Basic service list", "清单项目、对象与标准，政策测算", "Items, who qualifies and how much; policy simulation")
	batchesT := t("/batches", "补贴按月发放", "Monthly payments", "发放批次、审核、银行文件与对账", "Payment batches, approval, bank files, reconciliation")
	applicationsT := t("/benefits/applications", "待遇申请审批", "Applications", "依申请项目的审批", "Decide applications for benefits")
	careVisitsT := t("/carevisits", "探访关爱", "Care visits", "本月应探访对象、计划与记录", "This month's visits: who, by whom, records")
	visitRateT := t("/carevisits/rates", "探访率", "Visit rate", "特殊困难老年人月探访率，逐级下钻", "Monthly visit rate, drill down the region tree")
	reportsT := t("/abuse-reports", "强制报告", "Abuse reports", "疑似虐待、疏于照料的报告与处置", "Reports of suspected abuse or neglect, to a conclusion")
	ordersT := t("/orders", "上门服务", "Home-care visits", "辖区订单、异常审核、老人反映的问题", "Orders in your region, flagged visits, concerns")
	statementsT := t("/statements", "月度结算单", "Monthly statements", "已核实的政府购买服务，导出对账", "Verified government-paid visits, to export")
	servicesT := t("/services", "居家服务配置", "Home-care setup", "服务目录、补贴额度、服务组织与合同", "Catalogue, allowances, providers and contracts")
	caregiversT := t("/caregivers", "护理员", "Caregivers", "资质证书、到期提醒、从业禁止核查", "Certificates, expiry warnings, employment-ban checks")
	canteensT := t("/canteens", "助餐食堂", "Canteens", "食堂、菜单、补贴与月度结算", "Canteens, menus, subsidies and monthly statements")
	vouchersT := t("/vouchers", "消费券", "Vouchers", "向特殊困难老年人发放消费券", "Issue vouchers to people in special difficulty")
	alarmsT := t("/alarms", "警情值守", "Alarm board", "一键呼叫、跌倒、烟感报警的接警与处置", "Answer SOS, fall and smoke alarms; escalate; close")
	devicesT := t("/devices", "居家设备", "Home devices", "家庭养老床位的呼叫与监测设备", "Call and monitoring devices of home beds")
	institutionsSoon := soonT("机构监管", "Supervision of homes", "等级评定、床位、检查整改", "Grades, beds, inspections and rectification")
	indicatorsSoon := soonT("统计指标", "Indicators", "本级及下级的养老服务指标", "Care indicators for your region and below")
	switch role {
	case yanglao.RoleAdmin:
		now = []tile{
			registerT,
			t("/users", "账号管理", "Accounts", "创建账号、停用启用、重置密码", "Create, disable and enable accounts; reset passwords"),
			t("/orgs", "机构", "Organisations", "养老机构、服务组织、助餐点登记", "Register care homes, providers and canteens"),
			benefitsT, batchesT, servicesT, alarmsT,
			t("/regions", "区划", "Regions", "五级行政区划浏览与查找", "Browse and search the five-level region tree"),
			t("/audit", "审计日志", "Audit log", "所有变更与敏感数据查看记录", "Every change and every read of sensitive data"),
			t("/api/docs", "API 文档", "API docs", "对接其他系统的接口说明", "The JSON API for other systems"),
		}
		soon = []tile{institutionsSoon, indicatorsSoon}
	case yanglao.RoleOfficial:
		now = []tile{
			registerT, worklistT, benefitsT, batchesT, applicationsT,
			ordersT, statementsT, servicesT, caregiversT, canteensT, vouchersT,
			visitRateT, careVisitsT, reportsT, alarmsT, devicesT,
			t("/users", "账号管理", "Accounts", "本辖区的工作人员与机构账号", "Staff and organisation accounts in your region"),
			t("/orgs", "机构", "Organisations", "本辖区的养老机构与服务组织", "Care homes and providers in your region"),
			regions,
		}
		soon = []tile{institutionsSoon, indicatorsSoon}
	case yanglao.RoleWorker:
		now = []tile{
			careVisitsT,
			t("/people", "老年人名册", "Register of older people", "登记去世、迁移、新增困难情形等信息变更", "Keep people's records: deaths, moves, new hardship"),
			ordersT, visitRateT, reportsT, devicesT, regions, account}
		soon = []tile{soonT("帮办申请", "Help to apply", "代老年人提交服务与补贴申请", "Apply for services and benefits on someone's behalf")}
	case yanglao.RoleAssessor:
		now = []tile{
			t("/assessments/worklist", "能力评估", "Capability assessment", "按 GB/T 42195-2022 评估；到期复评清单", "Assess per GB/T 42195-2022; who is due for reassessment"),
			t("/carevisits/followups?kind=assessment", "评估申请", "Assessment requests", "探访中提出的评估申请", "Assessments asked for during care visits"),
			registerT, regions, account}
	case yanglao.RoleOperator:
		now = []tile{t("/canteens", "食堂（助餐点）", "Canteen", "菜单、柜台点餐、后厨统计和结算", "Menus, counter orders, the kitchen's day and statements"), regions, account}
		soon = []tile{
			soonT("床位与入住", "Beds and residents", "一床一码、入住与轮候", "One code per bed; admissions and waiting lists"),
			soonT("收费与安全", "Fees and safety", "收费、预收费监管、安全记录", "Fees, prepaid-fee supervision, safety records"),
		}
	case yanglao.RoleDispatcher:
		now = []tile{
			t("/dispatch", "调度台", "Dispatch board", "今天的订单：接单、派单、改派", "Today's orders: accept, assign, reassign"),
			statementsT,
			t("/providers", "本组织", "My provider", "服务区域、项目价格、合同、持证率", "Coverage, prices, contract, certified rate"),
			caregiversT, regions, account}
		soon = []tile{soonT("路线规划", "Routes", "护理员一天的上门路线", "A caregiver's route through the day")}
	case yanglao.RoleCaregiver:
		now = []tile{
			t("/visits", "今日上门", "Today's visits", "按时间排好的上门服务，签到签退", "Your visits in order; check in and out"),
			t("/carevisits", "我的探访", "My care visits", "分配给我的探访关爱对象", "The people you visit each month"),
			account, regions}
		soon = []tile{soonT("反映问题", "Raise a concern", "把老人的困难告诉社区", "Tell the community about a problem you saw")}
	case yanglao.RoleEmergency:
		now = []tile{alarmsT, t("/alarms/report", "接警报表", "Alarm report", "60秒内接警率与响应时间", "Share acknowledged within 60 s; response times"), devicesT, registerT, regions, account}
		soon = []tile{soonT("警情地图", "Alarm map", "地图上的警情与就近响应人", "Alarms and the nearest responders on a map")}
	case yanglao.RoleElder, yanglao.RoleFamily:
		now = []tile{
			t("/orders/new", "预约上门服务", "Book a home visit", "助洁、助浴、助医等，几步就好", "Cleaning, bathing, medical help: a few taps"),
			t("/meals", "订餐", "Order a meal", "孝善食堂、长者餐厅：堂食、自取或送餐", "Community canteens: eat in, pick up or delivery"),
			t("/orders", "我的上门服务", "My home visits", "预约的服务、确认码和评价", "Your bookings, the confirmation code, ratings"),
			t("/vouchers", "我的消费券", "My vouchers", "助餐和上门服务消费券", "Meal and home-service vouchers"),
			t("/my-record", "我的信息", "My record", "登记的基本信息、身份和能力评估", "What the register holds: details, statuses, assessment"),
			account,
		}
		soon = []tile{
			soonT("我的待遇", "My entitlements", "能享受的补贴与服务", "Benefits and services you can have"),
			soonT("找服务", "Find services", "附近的养老机构与服务点", "Care homes and services near you"),
		}
	default:
		now = []tile{regions, account}
	}
	return now, soon
}

// --- my account

type accountData struct {
	Crumbs crumbsData
	Org    *yanglao.Org
	Errors map[string]string
}

func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccount(w, r, http.StatusOK, nil)
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) error {
	ctx := r.Context()
	u, err := s.Users.User(ctx, actor(r).UserID)
	if err != nil {
		return err
	}
	d := accountData{Errors: errs}
	if here, trail, err := s.regionTrail(ctx, u.RegionCode); err == nil {
		d.Crumbs = crumbsData{Lang: lang(r), Trail: trail, Here: here}
	}
	if u.OrgID != nil {
		d.Org, _ = s.Orgs.Org(ctx, *u.OrgID)
	}
	p := s.newPage(r, "我的账号", "My account", d)
	p.User = u
	return s.render(w, status, "account.html", p)
}

// postAccountPassword changes one's own password. The current password is
// checked by signing in with it (which also counts failures towards lockout);
// the change then ends every session, so the user signs in again.
func (s *Server) postAccountPassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	l := lang(r)
	cur, pw, again := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("password2")
	if cur == "" {
		return s.renderAccount(w, r, http.StatusBadRequest, map[string]string{"current": tr(l, "请填写当前密码", "Enter your current password")})
	}
	if err := yanglao.ValidatePassword("password", pw); err != nil {
		return s.renderAccount(w, r, http.StatusBadRequest, map[string]string{"password": localMsg(l, yanglao.ErrorMessage(err))})
	}
	if pw != again {
		return s.renderAccount(w, r, http.StatusBadRequest, map[string]string{"password2": tr(l, "两次输入的新密码不一致", "The two new passwords differ")})
	}
	if err := s.Users.ChangePassword(ctx, cur, pw); err != nil {
		switch f := yanglao.ErrorField(err); {
		case yanglao.ErrorCode(err) == yanglao.EINVALID && (f == "current" || f == "password"):
			return s.renderAccount(w, r, http.StatusBadRequest, map[string]string{f: localMsg(l, yanglao.ErrorMessage(err))})
		default:
			return err
		}
	}
	s.clearSessionCookie(w)
	seeOther(w, r, "/login?msg=password_changed")
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
