// Share sheet: the phone's own share sheet (Web Share API), KakaoTalk through Kakao's SDK when
// the site has a Kakao key, a Naver share link (plain link, works without JS) and copy link.
// Every link carries ?ref=<channel> so the shop sees which channel brought its visitors.

let kakaoPromise = null;

function setUp(sheet) {
  const data = sheet.dataset;
  const status = sheet.querySelector("[data-share-status]");
  const say = (message) => { if (status) status.textContent = message || ""; };

  const nativeButton = sheet.querySelector("[data-share-native]");
  if (nativeButton && typeof navigator.share === "function") {
    nativeButton.hidden = false;
    nativeButton.addEventListener("click", async () => {
      try {
        await navigator.share({ title: data.title, text: data.text, url: data.urlShare });
      } catch (err) { /* closed by the person, or not allowed: nothing to do */ }
    });
  }

  const copyButton = sheet.querySelector("[data-share-copy]");
  if (copyButton) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", async () => {
      if (await copyText(data.urlCopy)) {
        say(data.msgCopied);
      } else {
        const box = sheet.querySelector("[data-share-link]");
        if (box) {
          box.hidden = false;
          box.querySelector("input")?.select();
        }
        say(data.msgCopyFailed);
      }
    });
  }

  const kakaoButton = sheet.querySelector("[data-share-kakao]");
  if (kakaoButton && data.kakaoKey && data.kakaoSdk) {
    loadKakao(data.kakaoSdk, data.kakaoIntegrity, data.kakaoKey).then((kakao) => {
      if (!kakao) return;
      kakaoButton.hidden = false;
      kakaoButton.addEventListener("click", () => {
        try {
          // Kakao scrapes the page's og: tags, so the message shows the live preview image.
          kakao.Share.sendScrap({ requestUrl: data.urlKakao });
        } catch (err) {
          say(data.msgKakaoFailed);
        }
      });
    });
  }
}

function loadKakao(src, integrity, key) {
  if (kakaoPromise) return kakaoPromise;
  kakaoPromise = new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = src;
    if (integrity) {
      script.integrity = integrity;
      script.crossOrigin = "anonymous";
    }
    script.async = true;
    script.addEventListener("load", () => {
      try {
        if (!window.Kakao.isInitialized()) window.Kakao.init(key);
        resolve(window.Kakao);
      } catch (err) {
        resolve(null);
      }
    });
    script.addEventListener("error", () => resolve(null));
    document.head.append(script);
  });
  return kakaoPromise;
}

async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (err) { /* fall through to the old way */ }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "sr-only";
  document.body.append(area);
  area.select();
  let copied = false;
  try { copied = document.execCommand("copy"); } catch (err) { copied = false; }
  area.remove();
  return copied;
}

// The visit has been counted; a link copied from the address bar should not carry it on.
function dropRefFromAddressBar() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has("ref")) return;
  url.searchParams.delete("ref");
  const query = url.searchParams.toString();
  window.history.replaceState(window.history.state, "", url.pathname + (query ? `?${query}` : "") + url.hash);
}

for (const sheet of document.querySelectorAll("[data-share]")) setUp(sheet);
dropRefFromAddressBar();
