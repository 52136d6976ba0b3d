package web

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/testkit"
)

// postFile submits the import form as a browser does: multipart, with the CSRF token.
func (c *uiClient) postFile(kind, mode, name string, data []byte, csrf bool) (*http.Response, string) {
	c.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf {
		mw.WriteField("csrf_token", c.csrf)
	}
	mw.WriteField("kind", kind)
	mw.WriteField("mode", mode)
	if data != nil {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.e.srv.URL+"/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func importCSVFile(n, first int, bad bool) []byte {
	var b bytes.Buffer
	b.WriteString(register.BOM + "姓名,身份证号,常住地区划代码,电话\r\n")
	for i := range n {
		birth := time.Date(1935, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, first+i).Format(time.DateOnly)
		fmt.Fprintf(&b, "页面导入%d,%s,%s,139%08d\r\n", first+i, testkit.CitizenID("431002", birth, 501), testkit.VillageA1, first+i)
	}
	if bad {
		fmt.Fprintf(&b, "坏行,%s,%s,12\r\n", testkit.CitizenID("431002", "1939-09-09", 503), testkit.VillageA1)
	}
	return b.Bytes()
}

var jobURLRe = regexp.MustCompile(`^/import/(\d+)$`)

func TestUIImport(t *testing.T) {
	e := newPeopleEnv(t)
	official := e.signIn("official")
	resp, body := official.get("/import")
	uiWant(t, "import page", resp, body, 200, "上传并导入", `enctype="multipart/form-data"`, "/api/v1/imports/template?kind=people&amp;format=xlsx",
		"/api/v1/people/export.xlsx", "不提供未脱敏的导出")

	// A small file: imported at once, then the job page shows the outcome and the rejected row.
	resp, body = official.postFile("people", "valid_rows", "名册.csv", importCSVFile(2, 0, true), true)
	if resp.StatusCode != http.StatusSeeOther || !jobURLRe.MatchString(resp.Header.Get("Location")) {
		t.Fatalf("upload: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	jobURL := resp.Header.Get("Location")
	resp, body = official.get(jobURL)
	uiWant(t, "job page", resp, body, 200, "已完成", "名册.csv", "<td>4</td><td>电话</td>", "下载不合格行报告", "rejects")
	uiWantNot(t, "finished job page", body, `hx-trigger="every 1s"`)
	resp, body = official.get(jobURL + "/progress")
	uiWant(t, "progress fragment", resp, body, 200, `id="import-progress"`)
	uiWantNot(t, "progress fragment", body, "<html")
	resp, body = official.get("/import")
	uiWant(t, "recent imports", resp, body, 200, "名册.csv", "2 / 0 / 0 / 1")

	// A large file runs in the background; its page polls every second until it is done.
	resp, _ = official.postFile("people", "all_or_nothing", "大名册.csv", importCSVFile(20000, 100, false), true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("large upload: %d", resp.StatusCode)
	}
	bigURL := resp.Header.Get("Location")
	deadline := time.Now().Add(2 * time.Minute)
	polls := 0
	for ; ; polls++ {
		_, body = official.get(bigURL + "/progress")
		if !strings.Contains(body, `hx-trigger="every 1s"`) {
			break
		}
		if !strings.Contains(body, `hx-get="`+bigURL+`/progress"`) || !strings.Contains(body, "<progress") {
			t.Fatalf("running job fragment: %s", body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still running: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(body, "已完成") || !strings.Contains(body, "<dd>20000</dd>") {
		t.Fatalf("finished large job: %s", body)
	}
	t.Logf("the large job was seen running in %d polls", polls)

	// Errors re-show the form, naming the field.
	resp, body = official.postFile("people", "valid_rows", "", nil, true)
	uiWant(t, "no file", resp, body, 400, "error-summary", "file-error")
	resp, body = official.postFile("people", "valid_rows", "缺列.csv", []byte("姓名\r\n张三\r\n"), true)
	uiWant(t, "missing columns", resp, body, 400, "缺少必填列")
	resp, _ = official.postFile("people", "valid_rows", "名册.csv", importCSVFile(1, 0, false), false)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("upload without the CSRF token: %d", resp.StatusCode)
	}

	// A worker of the township sees the page but not the official's jobs; an older person not even the page.
	worker := e.signIn("worker_a")
	resp, body = worker.get("/import")
	uiWant(t, "worker's import page", resp, body, 200, "上传并导入")
	uiWantNot(t, "worker's import page", body, "名册.csv")
	if resp, _ := worker.get(jobURL); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("worker reading the official's job: %d", resp.StatusCode)
	}
	if resp, _ := e.signIn("elder_a1").get("/import"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("older person on the import page: %d", resp.StatusCode)
	}
}
