package web

import (
	"net/http"
)

// access says who may call a route.
type access int

const (
	public   access = iota // anyone, signed in or not
	signedIn               // any signed-in user; finer rules live in the services
)

// route is one line of the route table. A route has either an API handler
// (JSON, errors mapped by apiError) or a page handler (HTML).
type route struct {
	method, path string
	access       access
	api          func(http.ResponseWriter, *http.Request) error
	page         func(http.ResponseWriter, *http.Request) error
	raw          http.Handler // static files, metrics: served as they are
	doc          *apiDoc      // documents an API route in the OpenAPI description
}

// table is THE route table of the platform.
func (s *Server) table() []route {
	return []route{
		// Operations.
		{method: "GET", path: "/healthz", raw: http.HandlerFunc(s.healthz)},
		{method: "GET", path: "/readyz", raw: http.HandlerFunc(s.readyz)},
		{method: "GET", path: "/metrics", raw: s.metricsHandler()},

		// API description.
		{method: "GET", path: "/api/v1/openapi.json", raw: http.HandlerFunc(s.openAPIJSON)},
		{method: "GET", path: "/api/docs", raw: http.HandlerFunc(s.apiDocsPage)},

		// Region tree: public reference data.
		{method: "GET", path: "/api/v1/regions", api: s.apiSearchRegions, doc: docSearchRegions},
		{method: "GET", path: "/api/v1/regions/{code}", api: s.apiRegion, doc: docRegion},
		{method: "GET", path: "/api/v1/regions/{code}/children", api: s.apiRegionChildren, doc: docRegionChildren},
		{method: "GET", path: "/api/v1/regions/{code}/ancestors", api: s.apiRegionAncestors, doc: docRegionAncestors},

		// Accounts.
		{method: "GET", path: "/api/v1/me", access: signedIn, api: s.apiMe, doc: docMe},
		{method: "GET", path: "/api/v1/users", access: signedIn, api: s.apiUsers, doc: docUsers},
		{method: "POST", path: "/api/v1/users", access: signedIn, api: s.apiCreateUser, doc: docCreateUser},
		{method: "GET", path: "/api/v1/users/{id}", access: signedIn, api: s.apiUser, doc: docUser},
		{method: "PATCH", path: "/api/v1/users/{id}", access: signedIn, api: s.apiUpdateUser, doc: docUpdateUser},
		{method: "PUT", path: "/api/v1/users/{id}/password", access: signedIn, api: s.apiSetPassword, doc: docSetPassword},
		{method: "POST", path: "/api/v1/users/{id}/tokens", access: signedIn, api: s.apiCreateToken, doc: docCreateToken},

		// Organisations.
		{method: "GET", path: "/api/v1/orgs", access: signedIn, api: s.apiOrgs, doc: docOrgs},
		{method: "POST", path: "/api/v1/orgs", access: signedIn, api: s.apiCreateOrg, doc: docCreateOrg},
		{method: "GET", path: "/api/v1/orgs/{id}", access: signedIn, api: s.apiOrg, doc: docOrg},

		// Register of older people.
		{method: "GET", path: "/api/v1/people", access: signedIn, api: s.apiPeople, doc: docPeople},
		{method: "GET", path: "/api/v1/people/count", access: signedIn, api: s.apiCountPeople, doc: docCountPeople},
		{method: "POST", path: "/api/v1/people", access: signedIn, api: s.apiCreatePerson, doc: docCreatePerson},
		{method: "GET", path: "/api/v1/people/{id}", access: signedIn, api: s.apiPerson, doc: docPerson},
		{method: "PUT", path: "/api/v1/people/{id}", access: signedIn, api: s.apiUpdatePerson, doc: docUpdatePerson},
		{method: "POST", path: "/api/v1/people/{id}/reveal", access: signedIn, api: s.apiRevealPerson, doc: docRevealPerson},
		{method: "POST", path: "/api/v1/people/{id}/statuses", access: signedIn, api: s.apiAddStatus, doc: docAddStatus},
		{method: "POST", path: "/api/v1/statuses/{id}/end", access: signedIn, api: s.apiEndStatus, doc: docEndStatus},
		{method: "GET", path: "/api/v1/people/{id}/history", access: signedIn, api: s.apiPersonHistory, doc: docPersonHistory},
		{method: "GET", path: "/api/v1/people/export.csv", access: signedIn, api: s.apiExportPeopleCSV, doc: docExportPeopleCSV},
		{method: "GET", path: "/api/v1/people/export.xlsx", access: signedIn, api: s.apiExportPeopleXLSX, doc: docExportPeopleXLSX},
		{method: "GET", path: "/api/v1/imports/template", api: s.apiImportTemplate, doc: docImportTemplate},
		{method: "POST", path: "/api/v1/imports", access: signedIn, api: s.apiStartImport, doc: docStartImport},
		{method: "GET", path: "/api/v1/imports", access: signedIn, api: s.apiImports, doc: docImports},
		{method: "GET", path: "/api/v1/imports/{id}", access: signedIn, api: s.apiImport, doc: docImport},
		{method: "GET", path: "/api/v1/imports/{id}/rejects", access: signedIn, api: s.apiImportRejects, doc: docImportRejects},

		// Capability assessment (GB/T 42195-2022): the form and the calculator are public, results are scoped.
		{method: "GET", path: "/api/v1/assess/form", api: s.apiAssessForm, doc: docAssessForm},
		{method: "POST", path: "/api/v1/assess/score", api: s.apiAssessScore, doc: docAssessScore},
		{method: "GET", path: "/api/v1/people/{id}/assessments", access: signedIn, api: s.apiPersonAssessments, doc: docPersonAssessments},
		{method: "POST", path: "/api/v1/people/{id}/assessments", access: signedIn, api: s.apiCreateAssessment, doc: docCreateAssessment},
		{method: "GET", path: "/api/v1/assessments/worklist", access: signedIn, api: s.apiReassessmentWorklist, doc: docReassessmentWorklist},
		{method: "GET", path: "/api/v1/assessments/{id}", access: signedIn, api: s.apiAssessment, doc: docAssessment},
		{method: "GET", path: "/api/v1/assessments/{id}/compare/{other}", access: signedIn, api: s.apiCompareAssessments, doc: docCompareAssessments},

		// Monthly payment batches (issue 4, item 5).
		{method: "GET", path: "/api/v1/batches", access: signedIn, api: s.apiBatches, doc: docBatches},
		{method: "POST", path: "/api/v1/batches", access: signedIn, api: s.apiStartBatch, doc: docStartBatch},
		{method: "GET", path: "/api/v1/batches/{id}", access: signedIn, api: s.apiBatch, doc: docBatch},
		{method: "POST", path: "/api/v1/batches/{id}/run", access: signedIn, api: s.apiResumeBatch, doc: docResumeBatch},
		{method: "GET", path: "/api/v1/batches/{id}/totals", access: signedIn, api: s.apiBatchTotals, doc: docBatchTotals},
		{method: "GET", path: "/api/v1/batches/{id}/lines", access: signedIn, api: s.apiBatchLines, doc: docBatchLines},
		{method: "POST", path: "/api/v1/batches/{id}/approve", access: signedIn, api: s.apiApproveBatch, doc: docApproveBatch},
		{method: "GET", path: "/api/v1/batches/{id}/export.csv", access: signedIn, api: s.apiExportBatchCSV, doc: docExportBatchCSV},
		{method: "GET", path: "/api/v1/batches/{id}/export.xlsx", access: signedIn, api: s.apiExportBatchXLSX, doc: docExportBatchXLSX},
		{method: "POST", path: "/api/v1/batches/{id}/reconcile", access: signedIn, api: s.apiReconcileBatch, doc: docReconcileBatch},

		// Basic service list and benefits (issue 4).
		{method: "GET", path: "/api/v1/benefits/list", access: signedIn, api: s.apiBenefitList, doc: docBenefitList},
		{method: "POST", path: "/api/v1/benefits/list/{region}/items", access: signedIn, api: s.apiSaveBenefitItem, doc: docSaveBenefitItem},
		{method: "POST", path: "/api/v1/benefits/rules/check", access: signedIn, api: s.apiCheckBenefitRule, doc: docCheckBenefitRule},
		{method: "POST", path: "/api/v1/benefits/params", access: signedIn, api: s.apiSetBenefitParam, doc: docSetBenefitParam},
		{method: "GET", path: "/api/v1/people/{id}/entitlements", access: signedIn, api: s.apiPersonEntitlements, doc: docPersonEntitlements},
		{method: "GET", path: "/api/v1/people/{id}/entitlements/{code}", access: signedIn, api: s.apiExplainEntitlement, doc: docExplainEntitlement},
		{method: "POST", path: "/api/v1/people/{id}/applications", access: signedIn, api: s.apiApply, doc: docApply},
		{method: "GET", path: "/api/v1/benefits/applications", access: signedIn, api: s.apiApplications, doc: docApplications},
		{method: "POST", path: "/api/v1/benefits/applications/{id}/decision", access: signedIn, api: s.apiDecideApplication, doc: docDecideApplication},
		{method: "GET", path: "/api/v1/benefits/notices", access: signedIn, api: s.apiBenefitNotices, doc: docBenefitNotices},
		{method: "POST", path: "/api/v1/benefits/simulate", access: signedIn, api: s.apiSimulate, doc: docSimulate},

		// Consumption vouchers (issue 5).
		{method: "GET", path: "/api/v1/voucher-batches", access: signedIn, api: s.apiVoucherBatches, doc: docVoucherBatches},
		{method: "POST", path: "/api/v1/voucher-batches", access: signedIn, api: s.apiIssueVoucherBatch, doc: docIssueVoucherBatch},
		{method: "POST", path: "/api/v1/voucher-batches/preview", access: signedIn, api: s.apiPreviewVoucherBatch, doc: docPreviewVoucherBatch},
		{method: "GET", path: "/api/v1/voucher-batches/{id}", access: signedIn, api: s.apiVoucherBatch, doc: docVoucherBatch},
		{method: "GET", path: "/api/v1/vouchers", access: signedIn, api: s.apiVouchers, doc: docVouchers},
		{method: "GET", path: "/api/v1/vouchers/{id}", access: signedIn, api: s.apiVoucher, doc: docVoucher},
		// Home-care orders, dispatch, proof of visit and statements (issue 5).
		{method: "POST", path: "/api/v1/orders", access: signedIn, api: s.apiPlaceOrder, doc: docPlaceOrder},
		{method: "GET", path: "/api/v1/orders", access: signedIn, api: s.apiOrders, doc: docOrders},
		{method: "GET", path: "/api/v1/orders/{id}", access: signedIn, api: s.apiOrder, doc: docOrder},
		{method: "GET", path: "/api/v1/orders/{id}/events", access: signedIn, api: s.apiOrderEvents, doc: docOrderEvents},
		{method: "POST", path: "/api/v1/orders/{id}/steps", access: signedIn, api: s.apiStepOrder, doc: docStepOrder},
		{method: "POST", path: "/api/v1/orders/{id}/review", access: signedIn, api: s.apiReviewOrder, doc: docReviewOrder},
		{method: "GET", path: "/api/v1/orders/{id}/suggestions", access: signedIn, api: s.apiOrderSuggestions, doc: docOrderSuggestions},
		{method: "GET", path: "/api/v1/people/{id}/booking-options", access: signedIn, api: s.apiBookingOptions, doc: docBookingOptions},
		{method: "GET", path: "/api/v1/dispatch/{provider}", access: signedIn, api: s.apiDispatchBoard, doc: docDispatchBoard},
		{method: "GET", path: "/api/v1/statements/{provider}", access: signedIn, api: s.apiStatement, doc: docStatement},
		{method: "GET", path: "/api/v1/statements/{provider}/export.csv", access: signedIn, api: s.apiStatementCSV, doc: docStatementCSV},
		{method: "GET", path: "/api/v1/statements/{provider}/export.xlsx", access: signedIn, api: s.apiStatementXLSX, doc: docStatementXLSX},

		// Care visits to older people in special difficulty (issue 6).
		{method: "GET", path: "/api/v1/carevisits/groups", api: s.apiCareGroups, doc: docCareGroups},
		{method: "GET", path: "/api/v1/carevisits/rules", access: signedIn, api: s.apiCareRules, doc: docCareRules},
		{method: "POST", path: "/api/v1/carevisits/rules", access: signedIn, api: s.apiSaveCareRule, doc: docSaveCareRule},
		{method: "POST", path: "/api/v1/carevisits/rules/{id}/end", access: signedIn, api: s.apiEndCareRule, doc: docEndCareRule},
		{method: "POST", path: "/api/v1/carevisits/targets/refresh", access: signedIn, api: s.apiRefreshTargets, doc: docRefreshTargets},
		{method: "GET", path: "/api/v1/carevisits/targets", access: signedIn, api: s.apiCareTargets, doc: docCareTargets},
		{method: "GET", path: "/api/v1/carevisits/rates", access: signedIn, api: s.apiVisitRates, doc: docVisitRates},
		{method: "GET", path: "/api/v1/carevisits/visitors", access: signedIn, api: s.apiVisitors, doc: docVisitors},
		{method: "POST", path: "/api/v1/carevisits/visitors", access: signedIn, api: s.apiCreateVisitor, doc: docCreateVisitor},
		{method: "POST", path: "/api/v1/carevisits/plan/assign", access: signedIn, api: s.apiAssign, doc: docAssign},
		{method: "POST", path: "/api/v1/carevisits/visits", access: signedIn, api: s.apiRecordVisit, doc: docRecordVisit},
		{method: "GET", path: "/api/v1/carevisits/visits/{id}", access: signedIn, api: s.apiCareVisit, doc: docCareVisit},
		{method: "GET", path: "/api/v1/carevisits/visits/{id}/photos/{photo}", access: signedIn, api: s.apiVisitPhoto, doc: docVisitPhoto},
		{method: "GET", path: "/api/v1/people/{id}/carevisits", access: signedIn, api: s.apiPersonVisits, doc: docPersonVisits},
		{method: "GET", path: "/api/v1/carevisits/followups", access: signedIn, api: s.apiFollowUps, doc: docFollowUps},
		{method: "POST", path: "/api/v1/carevisits/followups/{id}", access: signedIn, api: s.apiUpdateFollowUp, doc: docUpdateFollowUp},
		{method: "GET", path: "/api/v1/carevisits/reminders", access: signedIn, api: s.apiCareReminders, doc: docCareReminders},

		// Mandatory reports of suspected abuse (湘潭 第三章第六节4): anyone reports, the county works them.
		{method: "GET", path: "/api/v1/abuse-reports/challenge", api: s.apiReportChallenge, doc: docReportChallenge},
		{method: "POST", path: "/api/v1/abuse-reports", api: s.apiSubmitReport, doc: docSubmitReport},
		{method: "GET", path: "/api/v1/abuse-reports/track/{code}", api: s.apiTrackReport, doc: docTrackReport},
		{method: "GET", path: "/api/v1/abuse-reports", access: signedIn, api: s.apiAbuseReports, doc: docAbuseReports},
		{method: "GET", path: "/api/v1/abuse-reports/{id}", access: signedIn, api: s.apiAbuseReport, doc: docAbuseReport},
		{method: "POST", path: "/api/v1/abuse-reports/{id}/steps", access: signedIn, api: s.apiUpdateReport, doc: docUpdateReport},
		// Meal assistance (issue 5).
		{method: "GET", path: "/api/v1/canteens", access: signedIn, api: s.apiCanteens, doc: docCanteens},
		{method: "POST", path: "/api/v1/canteens", access: signedIn, api: s.apiCreateCanteen, doc: docCreateCanteen},
		{method: "GET", path: "/api/v1/canteens/{id}", access: signedIn, api: s.apiCanteen, doc: docCanteen},
		{method: "PUT", path: "/api/v1/canteens/{id}", access: signedIn, api: s.apiUpdateCanteen, doc: docUpdateCanteen},
		{method: "GET", path: "/api/v1/canteens/{id}/menus", access: signedIn, api: s.apiMenus, doc: docMenus},
		{method: "POST", path: "/api/v1/canteens/{id}/menus", access: signedIn, api: s.apiSaveMenu, doc: docSaveMenu},
		{method: "GET", path: "/api/v1/canteens/{id}/kitchen", access: signedIn, api: s.apiKitchenDay, doc: docKitchenDay},
		{method: "GET", path: "/api/v1/canteens/{id}/statement", access: signedIn, api: s.apiCanteenStatement, doc: docCanteenStatement},
		{method: "GET", path: "/api/v1/canteens/{id}/statement.csv", access: signedIn, api: s.apiCanteenStatementCSV, doc: docCanteenStatementCSV},
		{method: "GET", path: "/api/v1/canteens/{id}/statement.xlsx", access: signedIn, api: s.apiCanteenStatementXLSX, doc: docCanteenStatementXLSX},
		{method: "GET", path: "/api/v1/meal-subsidies", access: signedIn, api: s.apiMealSubsidies, doc: docMealSubsidies},
		{method: "POST", path: "/api/v1/meal-subsidies", access: signedIn, api: s.apiSetMealSubsidy, doc: docSetMealSubsidy},
		{method: "GET", path: "/api/v1/meal-orders", access: signedIn, api: s.apiMealOrders, doc: docMealOrders},
		{method: "POST", path: "/api/v1/meal-orders", access: signedIn, api: s.apiPlaceMealOrder, doc: docPlaceMealOrder},
		{method: "GET", path: "/api/v1/meal-orders/{id}", access: signedIn, api: s.apiMealOrder, doc: docMealOrder},
		{method: "POST", path: "/api/v1/meal-orders/{id}/cancel", access: signedIn, api: s.apiCancelMealOrder, doc: docCancelMealOrder},

		// Home and community services: catalogue, allowances, providers, caregivers, bans (issue 5).
		{method: "GET", path: "/api/v1/service-items", access: signedIn, api: s.apiServiceItems, doc: docServiceItems},
		{method: "POST", path: "/api/v1/service-items", access: signedIn, api: s.apiCreateServiceItem, doc: docCreateServiceItem},
		{method: "PUT", path: "/api/v1/service-items/{id}", access: signedIn, api: s.apiUpdateServiceItem, doc: docUpdateServiceItem},
		{method: "GET", path: "/api/v1/service-allowances", access: signedIn, api: s.apiAllowances, doc: docAllowances},
		{method: "POST", path: "/api/v1/service-allowances", access: signedIn, api: s.apiAddAllowance, doc: docAddAllowance},
		{method: "POST", path: "/api/v1/service-allowances/{id}/end", access: signedIn, api: s.apiEndAllowance, doc: docEndAllowance},
		{method: "GET", path: "/api/v1/people/{id}/service-allowance", access: signedIn, api: s.apiPersonAllowance, doc: docPersonAllowance},
		{method: "GET", path: "/api/v1/providers/rates", access: signedIn, api: s.apiCertifiedRates, doc: docCertifiedRates},
		{method: "GET", path: "/api/v1/providers/{id}", access: signedIn, api: s.apiProvider, doc: docProvider},
		{method: "POST", path: "/api/v1/providers/{id}/coverage", access: signedIn, api: s.apiSetCoverage, doc: docSetCoverage},
		{method: "POST", path: "/api/v1/providers/{id}/items", access: signedIn, api: s.apiSetProviderItem, doc: docSetProviderItem},
		{method: "POST", path: "/api/v1/providers/{id}/contracts", access: signedIn, api: s.apiAddContract, doc: docAddContract},
		{method: "GET", path: "/api/v1/providers/{id}/offer", access: signedIn, api: s.apiOffer, doc: docOffer},
		{method: "GET", path: "/api/v1/caregivers", access: signedIn, api: s.apiCaregivers, doc: docCaregivers},
		{method: "POST", path: "/api/v1/caregivers", access: signedIn, api: s.apiCreateCaregiver, doc: docCreateCaregiver},
		{method: "POST", path: "/api/v1/caregivers/suggest", access: signedIn, api: s.apiSuggest, doc: docSuggest},
		{method: "GET", path: "/api/v1/caregivers/{id}", access: signedIn, api: s.apiCaregiver, doc: docCaregiver},
		{method: "PUT", path: "/api/v1/caregivers/{id}", access: signedIn, api: s.apiUpdateCaregiver, doc: docUpdateCaregiver},
		{method: "POST", path: "/api/v1/caregivers/{id}/certs", access: signedIn, api: s.apiAddCert, doc: docAddCert},
		{method: "GET", path: "/api/v1/caregivers/{id}/eligible", access: signedIn, api: s.apiCheckCaregiver, doc: docCheckCaregiver},
		{method: "GET", path: "/api/v1/employment-bans", access: signedIn, api: s.apiBans, doc: docBans},
		{method: "POST", path: "/api/v1/employment-bans", access: signedIn, api: s.apiAddBan, doc: docAddBan},
		// Home devices and emergency alarms (issue 6).
		{method: "GET", path: "/api/v1/devices", access: signedIn, api: s.apiDevices, doc: docDevices},
		{method: "POST", path: "/api/v1/devices", access: signedIn, api: s.apiCreateDevice, doc: docCreateDevice},
		{method: "GET", path: "/api/v1/devices/{id}", access: signedIn, api: s.apiDevice, doc: docDevice},
		{method: "PUT", path: "/api/v1/devices/{id}/binding", access: signedIn, api: s.apiBindDevice, doc: docBindDevice},
		{method: "POST", path: "/api/v1/devices/{serial}/events", access: signedIn, api: s.apiPostDeviceEvent, doc: docPostDeviceEvent},
		{method: "GET", path: "/api/v1/alarms", access: signedIn, api: s.apiAlarms, doc: docAlarms},
		{method: "GET", path: "/api/v1/alarms/report", access: signedIn, api: s.apiAlarmReport, doc: docAlarmReport},
		{method: "GET", path: "/api/v1/alarms/rejected", access: signedIn, api: s.apiRejectedEvents, doc: docRejectedEvents},
		{method: "GET", path: "/api/v1/alarms/{id}", access: signedIn, api: s.apiAlarm, doc: docAlarm},
		{method: "POST", path: "/api/v1/alarms/{id}/actions", access: signedIn, api: s.apiAlarmAction, doc: docAlarmAction},
		{method: "GET", path: "/api/v1/escalation/{code}", access: signedIn, api: s.apiChain, doc: docChain},
		{method: "PUT", path: "/api/v1/escalation/{code}", access: signedIn, api: s.apiSetChain, doc: docSetChain},

		// Audit log.
		{method: "GET", path: "/api/v1/audit", access: signedIn, api: s.apiAudit, doc: docAudit},
	}
}

// routes registers the table and the web UI's pages on the mux.
func (s *Server) routes() {
	all := append(s.table(), s.pageTable()...)
	for _, rt := range all {
		s.mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	s.mux.Handle("/api/", s.wrap(route{api: func(http.ResponseWriter, *http.Request) error { return errNoRoute }}))
}

// wrap applies the route's access rule and error mapping.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Pattern != "" {
			infoOf(r).route = r.Pattern
		}
		if rt.access == signedIn && actor(r) == nil {
			if rt.page != nil {
				s.redirectToLogin(w, r)
				return
			}
			s.apiError(w, r, errNotSignedIn)
			return
		}
		switch {
		case rt.raw != nil:
			rt.raw.ServeHTTP(w, r)
		case rt.api != nil:
			if err := rt.api(w, r); err != nil {
				s.apiError(w, r, err)
			}
		case rt.page != nil:
			if err := rt.page(w, r); err != nil {
				s.fail(w, r, err)
			}
		}
	})
}
