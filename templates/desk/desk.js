// The desk's one script, and nothing depends on it: it checks a personal ID
// number as the officer types it, by the server's own rules
// (domain::subject: province code, century and sex digit, birth year).
(function () {
  "use strict";
  var input = document.getElementById("subject_id");
  var help = document.getElementById("subject_help");
  if (!input || !help) return;
  var first = help.textContent;
  var provinces = [/*PROVINCES*/];
  function check(raw) {
    var v = raw.replace(/\s+/g, "");
    if (v === "") return { text: first, bad: false };
    if (/[^0-9-]/.test(v)) return { text: "Chỉ gõ chữ số.", bad: true };
    if (/^[0-9]{10}$/.test(v)) return { text: "Mã số thuế của tổ chức (10 số).", bad: false };
    if (/^[0-9]{10}-?[0-9]{3}$/.test(v) && v.length !== 12) {
      return { text: "Mã số của chi nhánh, đơn vị phụ thuộc (13 số).", bad: false };
    }
    if (v.length < 12) return { text: "Còn thiếu " + (12 - v.length) + " chữ số.", bad: true };
    if (!/^[0-9]{12}$/.test(v)) return { text: "Số định danh cá nhân có đúng 12 chữ số.", bad: true };
    var province = parseInt(v.slice(0, 3), 10);
    if (v.charAt(0) === "0" && provinces.indexOf(province) < 0) {
      return { text: "Ba số đầu " + v.slice(0, 3) + " không phải mã tỉnh nơi đăng ký khai sinh: kiểm tra lại.", bad: true };
    }
    var c = parseInt(v.charAt(3), 10);
    var year = 1900 + 100 * Math.floor(c / 2) + parseInt(v.slice(4, 6), 10);
    if (year > new Date().getFullYear()) {
      return { text: "Số thứ 4 đến 6 cho năm sinh " + year + ", chưa tới: kiểm tra lại.", bad: true };
    }
    return { text: "Hợp lệ: " + (c % 2 === 0 ? "nam" : "nữ") + ", sinh năm " + year + ".", bad: false };
  }
  input.addEventListener("input", function () {
    var r = check(input.value);
    help.textContent = r.text;
    help.className = r.bad ? "help bad" : "help";
    input.setCustomValidity(r.bad ? r.text : "");
  });
})();
