package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yanglao/yanglao"
)

// The OpenAPI 3 description is generated from the route table and the Go types
// the handlers decode and encode, so it cannot drift from the code.

type apiDoc struct {
	Tag, Summary string
	Params       []param
	Body         any // request body type
	Response     any // success response type
	Status       int // success status; 200 by default
}

type param struct {
	Name, In, Type, Desc string
	Required             bool
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}

var (
	openAPIOnce sync.Once
	openAPIDoc  []byte
)

func (s *Server) openAPIJSON(w http.ResponseWriter, r *http.Request) {
	openAPIOnce.Do(func() { openAPIDoc, _ = json.MarshalIndent(s.openAPI(), "", "  ") })
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openAPIDoc)
}

// openAPI builds the document.
func (s *Server) openAPI() map[string]any {
	schemas := map[string]any{}
	sg := &schemaGen{defs: schemas}
	paths := map[string]map[string]any{}
	for _, rt := range s.table() {
		if rt.doc == nil {
			continue
		}
		d := rt.doc
		op := map[string]any{"summary": d.Summary, "tags": []string{d.Tag}, "operationId": opID(rt.method, rt.path)}
		var ps []any
		for _, p := range d.Params {
			ps = append(ps, map[string]any{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path",
				"description": p.Desc, "schema": map[string]any{"type": p.Type}})
		}
		if ps != nil {
			op["parameters"] = ps
		}
		if d.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": sg.schema(reflect.TypeOf(d.Body))}}}
		}
		status := d.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if d.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": sg.schema(reflect.TypeOf(d.Response))}}
		}
		errRef := map[string]any{"description": "错误 (error)", "content": map[string]any{"application/json": map[string]any{
			"schema": sg.schema(reflect.TypeOf(ErrorResponse{}))}}}
		op["responses"] = map[string]any{strconv.Itoa(status): ok, "default": errRef}
		if rt.access == signedIn {
			op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"cookie": []string{}}}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "yanglao 养老服务综合平台 API", "version": s.cfg.Version,
			"description": "所有错误返回 {code, message, field}；列表按键分页：把响应中的 next 作为下一次请求的 after。\n" +
				"Every error is {code, message, field}; lists are keyset-paged: pass the response's next as the next request's after."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "API 令牌 yl_… (API token)"},
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
			},
		},
	}
}

func opID(method, path string) string {
	parts := []string{strings.ToLower(method)}
	for _, p := range strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/") {
		p = strings.Trim(p, "{}")
		if p != "" {
			parts = append(parts, strings.ToUpper(p[:1])+p[1:])
		}
	}
	return strings.Join(parts, "")
}

// schemaGen turns Go types into JSON Schema by their json tags.
type schemaGen struct{ defs map[string]any }

var (
	timeType = reflect.TypeOf(time.Time{})
	dateType = reflect.TypeOf(yanglao.Date{})
)

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == dateType:
		return map[string]any{"type": "string", "format": "date"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		name := schemaName(t)
		ref := map[string]any{"$ref": "#/components/schemas/" + name}
		if _, ok := g.defs[name]; ok {
			return ref
		}
		g.defs[name] = map[string]any{} // placeholder against recursion
		props, required := map[string]any{}, []string{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if !f.IsExported() || tag == "-" {
				continue
			}
			jname, opts, _ := strings.Cut(tag, ",")
			if jname == "" {
				jname = f.Name
			}
			props[jname] = g.schema(f.Type)
			if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
				required = append(required, jname)
			}
		}
		sort.Strings(required)
		def := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			def["required"] = required
		}
		g.defs[name] = def
		return ref
	}
	return map[string]any{}
}

// schemaName gives generic list types readable names: List[*yanglao.Region] → RegionList.
func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		inner := n[i+1 : len(n)-1]
		inner = inner[strings.LastIndexAny(inner, "./*")+1:]
		return inner + n[:i]
	}
	return n
}

var apiDocsTmpl = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>yanglao API 文档</title>
<style>body{font:16px/1.6 system-ui,"Noto Sans CJK SC",sans-serif;max-width:960px;margin:0 auto;padding:1rem;color:#1a1a1a}
code,pre{font-family:ui-monospace,monospace;background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}
.op{border:1px solid #ccc;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}.m{font-weight:700;display:inline-block;min-width:4.5em}
.GET{color:#0a5d00}.POST{color:#0645ad}.PATCH,.PUT{color:#8a4b00}.DELETE{color:#a00}h2{border-bottom:2px solid #ddd;margin-top:2rem}</style></head>
<body><h1>yanglao 养老服务综合平台 API</h1>
<p>机器可读描述 (machine-readable description): <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a> (OpenAPI 3)。
认证 (auth)：<code>Authorization: Bearer yl_…</code> 或网页登录会话 (or the web session cookie with <code>X-CSRF-Token</code> on changes)。</p>
<p>错误 (errors): <code>{"code": "invalid", "message": "…", "field": "region_code"}</code>; 列表 (lists): <code>{"items": [...], "next": "…"}</code>, 传 <code>?after=next</code> 取下一页。</p>
{{range .}}<h2>{{.Tag}}</h2>{{range .Ops}}<div class="op"><span class="m {{.Method}}">{{.Method}}</span> <code>{{.Path}}</code>
<div>{{.Summary}}</div>{{if .Params}}<div>参数 (parameters): {{range .Params}}<code>{{.Name}}</code> <small>({{.In}}, {{.Type}})</small> {{end}}</div>{{end}}
{{if .Body}}<div>请求体 (body): <code>{{.Body}}</code></div>{{end}}{{if .Response}}<div>响应 (response): <code>{{.Response}}</code></div>{{end}}</div>{{end}}{{end}}
</body></html>`))

type docOp struct {
	Method, Path, Summary, Body, Response string
	Params                                []param
}

type docTag struct {
	Tag string
	Ops []docOp
}

// apiDocsPage is a readable page of the API, rendered from the same route table.
func (s *Server) apiDocsPage(w http.ResponseWriter, r *http.Request) {
	var tags []docTag
	idx := map[string]int{}
	for _, rt := range s.table() {
		if rt.doc == nil {
			continue
		}
		op := docOp{Method: rt.method, Path: rt.path, Summary: rt.doc.Summary, Params: rt.doc.Params}
		if rt.doc.Body != nil {
			op.Body = schemaName(derefType(reflect.TypeOf(rt.doc.Body)))
		}
		if rt.doc.Response != nil {
			op.Response = schemaName(derefType(reflect.TypeOf(rt.doc.Response)))
		}
		i, ok := idx[rt.doc.Tag]
		if !ok {
			i = len(tags)
			idx[rt.doc.Tag] = i
			tags = append(tags, docTag{Tag: rt.doc.Tag})
		}
		tags[i].Ops = append(tags[i].Ops, op)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	apiDocsTmpl.Execute(w, tags)
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
