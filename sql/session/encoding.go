package session

import (
	"strings"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// encodingNames are Postgres' client encodings weir does not convert, by
// their names without punctuation, lower case.
var encodingNames = map[string]string{
	"big5": "BIG5", "euccn": "EUC_CN", "eucjp": "EUC_JP", "eucjis2004": "EUC_JIS_2004", "euckr": "EUC_KR",
	"euctw": "EUC_TW", "gb18030": "GB18030", "gbk": "GBK", "iso88595": "ISO_8859_5", "iso88596": "ISO_8859_6",
	"iso88597": "ISO_8859_7", "iso88598": "ISO_8859_8", "johab": "JOHAB", "koi8": "KOI8R", "koi8r": "KOI8R",
	"koi8u": "KOI8U", "latin1": "LATIN1", "latin2": "LATIN2", "latin3": "LATIN3", "latin4": "LATIN4",
	"latin5": "LATIN5", "latin6": "LATIN6", "latin7": "LATIN7", "latin8": "LATIN8", "latin9": "LATIN9",
	"latin10": "LATIN10", "iso88591": "LATIN1", "iso885915": "LATIN9", "muleinternal": "MULE_INTERNAL",
	"sjis": "SJIS", "shiftjis": "SJIS", "shiftjis2004": "SHIFT_JIS_2004", "uhc": "UHC", "win866": "WIN866",
	"win874": "WIN874", "win1250": "WIN1250", "win1251": "WIN1251", "win1252": "WIN1252", "win1253": "WIN1253",
	"win1254": "WIN1254", "win1255": "WIN1255", "win1256": "WIN1256", "win1257": "WIN1257", "win1258": "WIN1258",
	"windows1252": "WIN1252", "windows1251": "WIN1251", "cp1252": "WIN1252",
}

// ClientEncoding checks a client_encoding value (from the startup packet or
// SET) and returns its canonical name. weir speaks UTF8 only: UTF8 under its
// names (utf8, unicode, UTF-8) is accepted, and so is SQL_ASCII, a subset
// that weir treats as UTF8 (text is still checked to be valid UTF-8). A
// known encoding weir does not convert fails with 0A000, an unknown name
// with 22023.
func ClientEncoding(v string) (string, error) {
	key := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, v)
	switch key {
	case "utf8", "unicode", "sqlascii":
		return "UTF8", nil
	}
	if name, ok := encodingNames[key]; ok {
		return "", sqlstate.Errorf(sqlstate.FeatureNotSupported, "conversion between %s and UTF8 is not supported", name).
			WithHint("weir speaks UTF8 only: set client_encoding to UTF8.")
	}
	return "", sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid value for parameter \"client_encoding\": \"%s\"", v)
}
