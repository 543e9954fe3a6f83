const __builtinModule = process.getBuiltinModule ?? (await import("node:module")).createRequire(import.meta.url);
/******/ var __webpack_modules__ = ({

/***/ 6130:
/***/ ((__unused_webpack_module, exports) => {



const isArrayBuffer = (arg) => (typeof ArrayBuffer === "function" && arg instanceof ArrayBuffer) ||
    Object.prototype.toString.call(arg) === "[object ArrayBuffer]";

exports.isArrayBuffer = isArrayBuffer;


/***/ }),

/***/ 2356:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var types = __nccwpck_require__(5132);

const getHttpHandlerExtensionConfiguration = (runtimeConfig) => {
    return {
        setHttpHandler(handler) {
            runtimeConfig.httpHandler = handler;
        },
        httpHandler() {
            return runtimeConfig.httpHandler;
        },
        updateHttpClientConfig(key, value) {
            runtimeConfig.httpHandler?.updateHttpClientConfig(key, value);
        },
        httpHandlerConfigs() {
            return runtimeConfig.httpHandler.httpHandlerConfigs();
        },
    };
};
const resolveHttpHandlerRuntimeConfig = (httpHandlerExtensionConfiguration) => {
    return {
        httpHandler: httpHandlerExtensionConfiguration.httpHandler(),
    };
};

class Field {
    name;
    kind;
    values;
    constructor({ name, kind = types.FieldPosition.HEADER, values = [] }) {
        this.name = name;
        this.kind = kind;
        this.values = values;
    }
    add(value) {
        this.values.push(value);
    }
    set(values) {
        this.values = values;
    }
    remove(value) {
        this.values = this.values.filter((v) => v !== value);
    }
    toString() {
        return this.values.map((v) => (v.includes(",") || v.includes(" ") ? `"${v}"` : v)).join(", ");
    }
    get() {
        return this.values;
    }
}

class Fields {
    entries = {};
    encoding;
    constructor({ fields = [], encoding = "utf-8" }) {
        fields.forEach(this.setField.bind(this));
        this.encoding = encoding;
    }
    setField(field) {
        this.entries[field.name.toLowerCase()] = field;
    }
    getField(name) {
        return this.entries[name.toLowerCase()];
    }
    removeField(name) {
        delete this.entries[name.toLowerCase()];
    }
    getByType(kind) {
        return Object.values(this.entries).filter((field) => field.kind === kind);
    }
}

class HttpRequest {
    method;
    protocol;
    hostname;
    port;
    path;
    query;
    headers;
    username;
    password;
    fragment;
    body;
    constructor(options) {
        this.method = options.method || "GET";
        this.hostname = options.hostname || "localhost";
        this.port = options.port;
        this.query = options.query || {};
        this.headers = options.headers || {};
        this.body = options.body;
        this.protocol = options.protocol
            ? options.protocol.slice(-1) !== ":"
                ? `${options.protocol}:`
                : options.protocol
            : "https:";
        this.path = options.path ? (options.path.charAt(0) !== "/" ? `/${options.path}` : options.path) : "/";
        this.username = options.username;
        this.password = options.password;
        this.fragment = options.fragment;
    }
    static clone(request) {
        const cloned = new HttpRequest({
            ...request,
            headers: { ...request.headers },
        });
        if (cloned.query) {
            cloned.query = cloneQuery(cloned.query);
        }
        return cloned;
    }
    static isInstance(request) {
        if (!request) {
            return false;
        }
        const req = request;
        return ("method" in req &&
            "protocol" in req &&
            "hostname" in req &&
            "path" in req &&
            typeof req["query"] === "object" &&
            typeof req["headers"] === "object");
    }
    clone() {
        return HttpRequest.clone(this);
    }
}
function cloneQuery(query) {
    return Object.keys(query).reduce((carry, paramName) => {
        const param = query[paramName];
        return {
            ...carry,
            [paramName]: Array.isArray(param) ? [...param] : param,
        };
    }, {});
}

class HttpResponse {
    statusCode;
    reason;
    headers;
    body;
    constructor(options) {
        this.statusCode = options.statusCode;
        this.reason = options.reason;
        this.headers = options.headers || {};
        this.body = options.body;
    }
    static isInstance(response) {
        if (!response)
            return false;
        const resp = response;
        return typeof resp.statusCode === "number" && typeof resp.headers === "object";
    }
}

function isValidHostname(hostname) {
    const hostPattern = /^[a-z0-9][a-z0-9\.\-]*[a-z0-9]$/;
    return hostPattern.test(hostname);
}

exports.Field = Field;
exports.Fields = Fields;
exports.HttpRequest = HttpRequest;
exports.HttpResponse = HttpResponse;
exports.getHttpHandlerExtensionConfiguration = getHttpHandlerExtensionConfiguration;
exports.isValidHostname = isValidHostname;
exports.resolveHttpHandlerRuntimeConfig = resolveHttpHandlerRuntimeConfig;


/***/ }),

/***/ 5132:
/***/ ((__unused_webpack_module, exports) => {



exports.HttpAuthLocation = void 0;
(function (HttpAuthLocation) {
    HttpAuthLocation["HEADER"] = "header";
    HttpAuthLocation["QUERY"] = "query";
})(exports.HttpAuthLocation || (exports.HttpAuthLocation = {}));

exports.HttpApiKeyAuthLocation = void 0;
(function (HttpApiKeyAuthLocation) {
    HttpApiKeyAuthLocation["HEADER"] = "header";
    HttpApiKeyAuthLocation["QUERY"] = "query";
})(exports.HttpApiKeyAuthLocation || (exports.HttpApiKeyAuthLocation = {}));

exports.EndpointURLScheme = void 0;
(function (EndpointURLScheme) {
    EndpointURLScheme["HTTP"] = "http";
    EndpointURLScheme["HTTPS"] = "https";
})(exports.EndpointURLScheme || (exports.EndpointURLScheme = {}));

exports.AlgorithmId = void 0;
(function (AlgorithmId) {
    AlgorithmId["MD5"] = "md5";
    AlgorithmId["CRC32"] = "crc32";
    AlgorithmId["CRC32C"] = "crc32c";
    AlgorithmId["SHA1"] = "sha1";
    AlgorithmId["SHA256"] = "sha256";
})(exports.AlgorithmId || (exports.AlgorithmId = {}));
const getChecksumConfiguration = (runtimeConfig) => {
    const checksumAlgorithms = [];
    if (runtimeConfig.sha256 !== undefined) {
        checksumAlgorithms.push({
            algorithmId: () => exports.AlgorithmId.SHA256,
            checksumConstructor: () => runtimeConfig.sha256,
        });
    }
    if (runtimeConfig.md5 != undefined) {
        checksumAlgorithms.push({
            algorithmId: () => exports.AlgorithmId.MD5,
            checksumConstructor: () => runtimeConfig.md5,
        });
    }
    return {
        addChecksumAlgorithm(algo) {
            checksumAlgorithms.push(algo);
        },
        checksumAlgorithms() {
            return checksumAlgorithms;
        },
    };
};
const resolveChecksumRuntimeConfig = (clientConfig) => {
    const runtimeConfig = {};
    clientConfig.checksumAlgorithms().forEach((checksumAlgorithm) => {
        runtimeConfig[checksumAlgorithm.algorithmId()] = checksumAlgorithm.checksumConstructor();
    });
    return runtimeConfig;
};

const getDefaultClientConfiguration = (runtimeConfig) => {
    return getChecksumConfiguration(runtimeConfig);
};
const resolveDefaultRuntimeConfig = (config) => {
    return resolveChecksumRuntimeConfig(config);
};

exports.FieldPosition = void 0;
(function (FieldPosition) {
    FieldPosition[FieldPosition["HEADER"] = 0] = "HEADER";
    FieldPosition[FieldPosition["TRAILER"] = 1] = "TRAILER";
})(exports.FieldPosition || (exports.FieldPosition = {}));

const SMITHY_CONTEXT_KEY = "__smithy_context";

exports.IniSectionType = void 0;
(function (IniSectionType) {
    IniSectionType["PROFILE"] = "profile";
    IniSectionType["SSO_SESSION"] = "sso-session";
    IniSectionType["SERVICES"] = "services";
})(exports.IniSectionType || (exports.IniSectionType = {}));

exports.RequestHandlerProtocol = void 0;
(function (RequestHandlerProtocol) {
    RequestHandlerProtocol["HTTP_0_9"] = "http/0.9";
    RequestHandlerProtocol["HTTP_1_0"] = "http/1.0";
    RequestHandlerProtocol["TDS_8_0"] = "tds/8.0";
})(exports.RequestHandlerProtocol || (exports.RequestHandlerProtocol = {}));

exports.SMITHY_CONTEXT_KEY = SMITHY_CONTEXT_KEY;
exports.getDefaultClientConfiguration = getDefaultClientConfiguration;
exports.resolveDefaultRuntimeConfig = resolveDefaultRuntimeConfig;


/***/ }),

/***/ 5118:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {

var __webpack_unused_export__;


var utilHexEncoding = __nccwpck_require__(6435);
var utilUtf8 = __nccwpck_require__(1577);
var isArrayBuffer = __nccwpck_require__(6130);
var protocolHttp = __nccwpck_require__(2356);
var utilMiddleware = __nccwpck_require__(6324);
var utilUriEscape = __nccwpck_require__(146);

const ALGORITHM_QUERY_PARAM = "X-Amz-Algorithm";
const CREDENTIAL_QUERY_PARAM = "X-Amz-Credential";
const AMZ_DATE_QUERY_PARAM = "X-Amz-Date";
const SIGNED_HEADERS_QUERY_PARAM = "X-Amz-SignedHeaders";
const EXPIRES_QUERY_PARAM = "X-Amz-Expires";
const SIGNATURE_QUERY_PARAM = "X-Amz-Signature";
const TOKEN_QUERY_PARAM = "X-Amz-Security-Token";
const REGION_SET_PARAM = "X-Amz-Region-Set";
const AUTH_HEADER = "authorization";
const AMZ_DATE_HEADER = AMZ_DATE_QUERY_PARAM.toLowerCase();
const DATE_HEADER = "date";
const GENERATED_HEADERS = [AUTH_HEADER, AMZ_DATE_HEADER, DATE_HEADER];
const SIGNATURE_HEADER = SIGNATURE_QUERY_PARAM.toLowerCase();
const SHA256_HEADER = "x-amz-content-sha256";
const TOKEN_HEADER = TOKEN_QUERY_PARAM.toLowerCase();
const HOST_HEADER = "host";
const ALWAYS_UNSIGNABLE_HEADERS = {
    authorization: true,
    "cache-control": true,
    connection: true,
    expect: true,
    from: true,
    "keep-alive": true,
    "max-forwards": true,
    pragma: true,
    referer: true,
    te: true,
    trailer: true,
    "transfer-encoding": true,
    upgrade: true,
    "user-agent": true,
    "x-amzn-trace-id": true,
};
const PROXY_HEADER_PATTERN = /^proxy-/;
const SEC_HEADER_PATTERN = /^sec-/;
const UNSIGNABLE_PATTERNS = [/^proxy-/i, /^sec-/i];
const ALGORITHM_IDENTIFIER = "AWS4-HMAC-SHA256";
const ALGORITHM_IDENTIFIER_V4A = "AWS4-ECDSA-P256-SHA256";
const EVENT_ALGORITHM_IDENTIFIER = "AWS4-HMAC-SHA256-PAYLOAD";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
const MAX_CACHE_SIZE = 50;
const KEY_TYPE_IDENTIFIER = "aws4_request";
const MAX_PRESIGNED_TTL = 60 * 60 * 24 * 7;

const signingKeyCache = {};
const cacheQueue = [];
const createScope = (shortDate, region, service) => `${shortDate}/${region}/${service}/${KEY_TYPE_IDENTIFIER}`;
const getSigningKey = async (sha256Constructor, credentials, shortDate, region, service) => {
    const credsHash = await hmac(sha256Constructor, credentials.secretAccessKey, credentials.accessKeyId);
    const cacheKey = `${shortDate}:${region}:${service}:${utilHexEncoding.toHex(credsHash)}:${credentials.sessionToken}`;
    if (cacheKey in signingKeyCache) {
        return signingKeyCache[cacheKey];
    }
    cacheQueue.push(cacheKey);
    while (cacheQueue.length > MAX_CACHE_SIZE) {
        delete signingKeyCache[cacheQueue.shift()];
    }
    let key = `AWS4${credentials.secretAccessKey}`;
    for (const signable of [shortDate, region, service, KEY_TYPE_IDENTIFIER]) {
        key = await hmac(sha256Constructor, key, signable);
    }
    return (signingKeyCache[cacheKey] = key);
};
const clearCredentialCache = () => {
    cacheQueue.length = 0;
    Object.keys(signingKeyCache).forEach((cacheKey) => {
        delete signingKeyCache[cacheKey];
    });
};
const hmac = (ctor, secret, data) => {
    const hash = new ctor(secret);
    hash.update(utilUtf8.toUint8Array(data));
    return hash.digest();
};

const getCanonicalHeaders = ({ headers }, unsignableHeaders, signableHeaders) => {
    const canonical = {};
    for (const headerName of Object.keys(headers).sort()) {
        if (headers[headerName] == undefined) {
            continue;
        }
        const canonicalHeaderName = headerName.toLowerCase();
        if (canonicalHeaderName in ALWAYS_UNSIGNABLE_HEADERS ||
            unsignableHeaders?.has(canonicalHeaderName) ||
            PROXY_HEADER_PATTERN.test(canonicalHeaderName) ||
            SEC_HEADER_PATTERN.test(canonicalHeaderName)) {
            if (!signableHeaders || (signableHeaders && !signableHeaders.has(canonicalHeaderName))) {
                continue;
            }
        }
        canonical[canonicalHeaderName] = headers[headerName].trim().replace(/\s+/g, " ");
    }
    return canonical;
};

const getPayloadHash = async ({ headers, body }, hashConstructor) => {
    for (const headerName of Object.keys(headers)) {
        if (headerName.toLowerCase() === SHA256_HEADER) {
            return headers[headerName];
        }
    }
    if (body == undefined) {
        return "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    }
    else if (typeof body === "string" || ArrayBuffer.isView(body) || isArrayBuffer.isArrayBuffer(body)) {
        const hashCtor = new hashConstructor();
        hashCtor.update(utilUtf8.toUint8Array(body));
        return utilHexEncoding.toHex(await hashCtor.digest());
    }
    return UNSIGNED_PAYLOAD;
};

class HeaderFormatter {
    format(headers) {
        const chunks = [];
        for (const headerName of Object.keys(headers)) {
            const bytes = utilUtf8.fromUtf8(headerName);
            chunks.push(Uint8Array.from([bytes.byteLength]), bytes, this.formatHeaderValue(headers[headerName]));
        }
        const out = new Uint8Array(chunks.reduce((carry, bytes) => carry + bytes.byteLength, 0));
        let position = 0;
        for (const chunk of chunks) {
            out.set(chunk, position);
            position += chunk.byteLength;
        }
        return out;
    }
    formatHeaderValue(header) {
        switch (header.type) {
            case "boolean":
                return Uint8Array.from([header.value ? 0 : 1]);
            case "byte":
                return Uint8Array.from([2, header.value]);
            case "short":
                const shortView = new DataView(new ArrayBuffer(3));
                shortView.setUint8(0, 3);
                shortView.setInt16(1, header.value, false);
                return new Uint8Array(shortView.buffer);
            case "integer":
                const intView = new DataView(new ArrayBuffer(5));
                intView.setUint8(0, 4);
                intView.setInt32(1, header.value, false);
                return new Uint8Array(intView.buffer);
            case "long":
                const longBytes = new Uint8Array(9);
                longBytes[0] = 5;
                longBytes.set(header.value.bytes, 1);
                return longBytes;
            case "binary":
                const binView = new DataView(new ArrayBuffer(3 + header.value.byteLength));
                binView.setUint8(0, 6);
                binView.setUint16(1, header.value.byteLength, false);
                const binBytes = new Uint8Array(binView.buffer);
                binBytes.set(header.value, 3);
                return binBytes;
            case "string":
                const utf8Bytes = utilUtf8.fromUtf8(header.value);
                const strView = new DataView(new ArrayBuffer(3 + utf8Bytes.byteLength));
                strView.setUint8(0, 7);
                strView.setUint16(1, utf8Bytes.byteLength, false);
                const strBytes = new Uint8Array(strView.buffer);
                strBytes.set(utf8Bytes, 3);
                return strBytes;
            case "timestamp":
                const tsBytes = new Uint8Array(9);
                tsBytes[0] = 8;
                tsBytes.set(Int64.fromNumber(header.value.valueOf()).bytes, 1);
                return tsBytes;
            case "uuid":
                if (!UUID_PATTERN.test(header.value)) {
                    throw new Error(`Invalid UUID received: ${header.value}`);
                }
                const uuidBytes = new Uint8Array(17);
                uuidBytes[0] = 9;
                uuidBytes.set(utilHexEncoding.fromHex(header.value.replace(/\-/g, "")), 1);
                return uuidBytes;
        }
    }
}
const UUID_PATTERN = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;
class Int64 {
    bytes;
    constructor(bytes) {
        this.bytes = bytes;
        if (bytes.byteLength !== 8) {
            throw new Error("Int64 buffers must be exactly 8 bytes");
        }
    }
    static fromNumber(number) {
        if (number > 9_223_372_036_854_775_807 || number < -9223372036854776e3) {
            throw new Error(`${number} is too large (or, if negative, too small) to represent as an Int64`);
        }
        const bytes = new Uint8Array(8);
        for (let i = 7, remaining = Math.abs(Math.round(number)); i > -1 && remaining > 0; i--, remaining /= 256) {
            bytes[i] = remaining;
        }
        if (number < 0) {
            negate(bytes);
        }
        return new Int64(bytes);
    }
    valueOf() {
        const bytes = this.bytes.slice(0);
        const negative = bytes[0] & 0b10000000;
        if (negative) {
            negate(bytes);
        }
        return parseInt(utilHexEncoding.toHex(bytes), 16) * (negative ? -1 : 1);
    }
    toString() {
        return String(this.valueOf());
    }
}
function negate(bytes) {
    for (let i = 0; i < 8; i++) {
        bytes[i] ^= 0xff;
    }
    for (let i = 7; i > -1; i--) {
        bytes[i]++;
        if (bytes[i] !== 0)
            break;
    }
}

const hasHeader = (soughtHeader, headers) => {
    soughtHeader = soughtHeader.toLowerCase();
    for (const headerName of Object.keys(headers)) {
        if (soughtHeader === headerName.toLowerCase()) {
            return true;
        }
    }
    return false;
};

const moveHeadersToQuery = (request, options = {}) => {
    const { headers, query = {} } = protocolHttp.HttpRequest.clone(request);
    for (const name of Object.keys(headers)) {
        const lname = name.toLowerCase();
        if ((lname.slice(0, 6) === "x-amz-" && !options.unhoistableHeaders?.has(lname)) ||
            options.hoistableHeaders?.has(lname)) {
            query[name] = headers[name];
            delete headers[name];
        }
    }
    return {
        ...request,
        headers,
        query,
    };
};

const prepareRequest = (request) => {
    request = protocolHttp.HttpRequest.clone(request);
    for (const headerName of Object.keys(request.headers)) {
        if (GENERATED_HEADERS.indexOf(headerName.toLowerCase()) > -1) {
            delete request.headers[headerName];
        }
    }
    return request;
};

const getCanonicalQuery = ({ query = {} }) => {
    const keys = [];
    const serialized = {};
    for (const key of Object.keys(query)) {
        if (key.toLowerCase() === SIGNATURE_HEADER) {
            continue;
        }
        const encodedKey = utilUriEscape.escapeUri(key);
        keys.push(encodedKey);
        const value = query[key];
        if (typeof value === "string") {
            serialized[encodedKey] = `${encodedKey}=${utilUriEscape.escapeUri(value)}`;
        }
        else if (Array.isArray(value)) {
            serialized[encodedKey] = value
                .slice(0)
                .reduce((encoded, value) => encoded.concat([`${encodedKey}=${utilUriEscape.escapeUri(value)}`]), [])
                .sort()
                .join("&");
        }
    }
    return keys
        .sort()
        .map((key) => serialized[key])
        .filter((serialized) => serialized)
        .join("&");
};

const iso8601 = (time) => toDate(time)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");
const toDate = (time) => {
    if (typeof time === "number") {
        return new Date(time * 1000);
    }
    if (typeof time === "string") {
        if (Number(time)) {
            return new Date(Number(time) * 1000);
        }
        return new Date(time);
    }
    return time;
};

class SignatureV4Base {
    service;
    regionProvider;
    credentialProvider;
    sha256;
    uriEscapePath;
    applyChecksum;
    constructor({ applyChecksum, credentials, region, service, sha256, uriEscapePath = true, }) {
        this.service = service;
        this.sha256 = sha256;
        this.uriEscapePath = uriEscapePath;
        this.applyChecksum = typeof applyChecksum === "boolean" ? applyChecksum : true;
        this.regionProvider = utilMiddleware.normalizeProvider(region);
        this.credentialProvider = utilMiddleware.normalizeProvider(credentials);
    }
    createCanonicalRequest(request, canonicalHeaders, payloadHash) {
        const sortedHeaders = Object.keys(canonicalHeaders).sort();
        return `${request.method}
${this.getCanonicalPath(request)}
${getCanonicalQuery(request)}
${sortedHeaders.map((name) => `${name}:${canonicalHeaders[name]}`).join("\n")}

${sortedHeaders.join(";")}
${payloadHash}`;
    }
    async createStringToSign(longDate, credentialScope, canonicalRequest, algorithmIdentifier) {
        const hash = new this.sha256();
        hash.update(utilUtf8.toUint8Array(canonicalRequest));
        const hashedRequest = await hash.digest();
        return `${algorithmIdentifier}
${longDate}
${credentialScope}
${utilHexEncoding.toHex(hashedRequest)}`;
    }
    getCanonicalPath({ path }) {
        if (this.uriEscapePath) {
            const normalizedPathSegments = [];
            for (const pathSegment of path.split("/")) {
                if (pathSegment?.length === 0)
                    continue;
                if (pathSegment === ".")
                    continue;
                if (pathSegment === "..") {
                    normalizedPathSegments.pop();
                }
                else {
                    normalizedPathSegments.push(pathSegment);
                }
            }
            const normalizedPath = `${path?.startsWith("/") ? "/" : ""}${normalizedPathSegments.join("/")}${normalizedPathSegments.length > 0 && path?.endsWith("/") ? "/" : ""}`;
            const doubleEncoded = utilUriEscape.escapeUri(normalizedPath);
            return doubleEncoded.replace(/%2F/g, "/");
        }
        return path;
    }
    validateResolvedCredentials(credentials) {
        if (typeof credentials !== "object" ||
            typeof credentials.accessKeyId !== "string" ||
            typeof credentials.secretAccessKey !== "string") {
            throw new Error("Resolved credential object is not valid");
        }
    }
    formatDate(now) {
        const longDate = iso8601(now).replace(/[\-:]/g, "");
        return {
            longDate,
            shortDate: longDate.slice(0, 8),
        };
    }
    getCanonicalHeaderList(headers) {
        return Object.keys(headers).sort().join(";");
    }
}

class SignatureV4 extends SignatureV4Base {
    headerFormatter = new HeaderFormatter();
    constructor({ applyChecksum, credentials, region, service, sha256, uriEscapePath = true, }) {
        super({
            applyChecksum,
            credentials,
            region,
            service,
            sha256,
            uriEscapePath,
        });
    }
    async presign(originalRequest, options = {}) {
        const { signingDate = new Date(), expiresIn = 3600, unsignableHeaders, unhoistableHeaders, signableHeaders, hoistableHeaders, signingRegion, signingService, } = options;
        const credentials = await this.credentialProvider();
        this.validateResolvedCredentials(credentials);
        const region = signingRegion ?? (await this.regionProvider());
        const { longDate, shortDate } = this.formatDate(signingDate);
        if (expiresIn > MAX_PRESIGNED_TTL) {
            return Promise.reject("Signature version 4 presigned URLs" + " must have an expiration date less than one week in" + " the future");
        }
        const scope = createScope(shortDate, region, signingService ?? this.service);
        const request = moveHeadersToQuery(prepareRequest(originalRequest), { unhoistableHeaders, hoistableHeaders });
        if (credentials.sessionToken) {
            request.query[TOKEN_QUERY_PARAM] = credentials.sessionToken;
        }
        request.query[ALGORITHM_QUERY_PARAM] = ALGORITHM_IDENTIFIER;
        request.query[CREDENTIAL_QUERY_PARAM] = `${credentials.accessKeyId}/${scope}`;
        request.query[AMZ_DATE_QUERY_PARAM] = longDate;
        request.query[EXPIRES_QUERY_PARAM] = expiresIn.toString(10);
        const canonicalHeaders = getCanonicalHeaders(request, unsignableHeaders, signableHeaders);
        request.query[SIGNED_HEADERS_QUERY_PARAM] = this.getCanonicalHeaderList(canonicalHeaders);
        request.query[SIGNATURE_QUERY_PARAM] = await this.getSignature(longDate, scope, this.getSigningKey(credentials, region, shortDate, signingService), this.createCanonicalRequest(request, canonicalHeaders, await getPayloadHash(originalRequest, this.sha256)));
        return request;
    }
    async sign(toSign, options) {
        if (typeof toSign === "string") {
            return this.signString(toSign, options);
        }
        else if (toSign.headers && toSign.payload) {
            return this.signEvent(toSign, options);
        }
        else if (toSign.message) {
            return this.signMessage(toSign, options);
        }
        else {
            return this.signRequest(toSign, options);
        }
    }
    async signEvent({ headers, payload }, { signingDate = new Date(), priorSignature, signingRegion, signingService }) {
        const region = signingRegion ?? (await this.regionProvider());
        const { shortDate, longDate } = this.formatDate(signingDate);
        const scope = createScope(shortDate, region, signingService ?? this.service);
        const hashedPayload = await getPayloadHash({ headers: {}, body: payload }, this.sha256);
        const hash = new this.sha256();
        hash.update(headers);
        const hashedHeaders = utilHexEncoding.toHex(await hash.digest());
        const stringToSign = [
            EVENT_ALGORITHM_IDENTIFIER,
            longDate,
            scope,
            priorSignature,
            hashedHeaders,
            hashedPayload,
        ].join("\n");
        return this.signString(stringToSign, { signingDate, signingRegion: region, signingService });
    }
    async signMessage(signableMessage, { signingDate = new Date(), signingRegion, signingService }) {
        const promise = this.signEvent({
            headers: this.headerFormatter.format(signableMessage.message.headers),
            payload: signableMessage.message.body,
        }, {
            signingDate,
            signingRegion,
            signingService,
            priorSignature: signableMessage.priorSignature,
        });
        return promise.then((signature) => {
            return { message: signableMessage.message, signature };
        });
    }
    async signString(stringToSign, { signingDate = new Date(), signingRegion, signingService } = {}) {
        const credentials = await this.credentialProvider();
        this.validateResolvedCredentials(credentials);
        const region = signingRegion ?? (await this.regionProvider());
        const { shortDate } = this.formatDate(signingDate);
        const hash = new this.sha256(await this.getSigningKey(credentials, region, shortDate, signingService));
        hash.update(utilUtf8.toUint8Array(stringToSign));
        return utilHexEncoding.toHex(await hash.digest());
    }
    async signRequest(requestToSign, { signingDate = new Date(), signableHeaders, unsignableHeaders, signingRegion, signingService, } = {}) {
        const credentials = await this.credentialProvider();
        this.validateResolvedCredentials(credentials);
        const region = signingRegion ?? (await this.regionProvider());
        const request = prepareRequest(requestToSign);
        const { longDate, shortDate } = this.formatDate(signingDate);
        const scope = createScope(shortDate, region, signingService ?? this.service);
        request.headers[AMZ_DATE_HEADER] = longDate;
        if (credentials.sessionToken) {
            request.headers[TOKEN_HEADER] = credentials.sessionToken;
        }
        const payloadHash = await getPayloadHash(request, this.sha256);
        if (!hasHeader(SHA256_HEADER, request.headers) && this.applyChecksum) {
            request.headers[SHA256_HEADER] = payloadHash;
        }
        const canonicalHeaders = getCanonicalHeaders(request, unsignableHeaders, signableHeaders);
        const signature = await this.getSignature(longDate, scope, this.getSigningKey(credentials, region, shortDate, signingService), this.createCanonicalRequest(request, canonicalHeaders, payloadHash));
        request.headers[AUTH_HEADER] =
            `${ALGORITHM_IDENTIFIER} ` +
                `Credential=${credentials.accessKeyId}/${scope}, ` +
                `SignedHeaders=${this.getCanonicalHeaderList(canonicalHeaders)}, ` +
                `Signature=${signature}`;
        return request;
    }
    async getSignature(longDate, credentialScope, keyPromise, canonicalRequest) {
        const stringToSign = await this.createStringToSign(longDate, credentialScope, canonicalRequest, ALGORITHM_IDENTIFIER);
        const hash = new this.sha256(await keyPromise);
        hash.update(utilUtf8.toUint8Array(stringToSign));
        return utilHexEncoding.toHex(await hash.digest());
    }
    getSigningKey(credentials, region, shortDate, service) {
        return getSigningKey(this.sha256, credentials, shortDate, region, service || this.service);
    }
}

const signatureV4aContainer = {
    SignatureV4a: null,
};

__webpack_unused_export__ = ALGORITHM_IDENTIFIER;
__webpack_unused_export__ = ALGORITHM_IDENTIFIER_V4A;
__webpack_unused_export__ = ALGORITHM_QUERY_PARAM;
__webpack_unused_export__ = ALWAYS_UNSIGNABLE_HEADERS;
__webpack_unused_export__ = AMZ_DATE_HEADER;
__webpack_unused_export__ = AMZ_DATE_QUERY_PARAM;
__webpack_unused_export__ = AUTH_HEADER;
__webpack_unused_export__ = CREDENTIAL_QUERY_PARAM;
__webpack_unused_export__ = DATE_HEADER;
__webpack_unused_export__ = EVENT_ALGORITHM_IDENTIFIER;
__webpack_unused_export__ = EXPIRES_QUERY_PARAM;
__webpack_unused_export__ = GENERATED_HEADERS;
__webpack_unused_export__ = HOST_HEADER;
__webpack_unused_export__ = KEY_TYPE_IDENTIFIER;
__webpack_unused_export__ = MAX_CACHE_SIZE;
__webpack_unused_export__ = MAX_PRESIGNED_TTL;
__webpack_unused_export__ = PROXY_HEADER_PATTERN;
__webpack_unused_export__ = REGION_SET_PARAM;
__webpack_unused_export__ = SEC_HEADER_PATTERN;
__webpack_unused_export__ = SHA256_HEADER;
__webpack_unused_export__ = SIGNATURE_HEADER;
__webpack_unused_export__ = SIGNATURE_QUERY_PARAM;
__webpack_unused_export__ = SIGNED_HEADERS_QUERY_PARAM;
exports.BB = SignatureV4;
__webpack_unused_export__ = SignatureV4Base;
__webpack_unused_export__ = TOKEN_HEADER;
__webpack_unused_export__ = TOKEN_QUERY_PARAM;
__webpack_unused_export__ = UNSIGNABLE_PATTERNS;
__webpack_unused_export__ = UNSIGNED_PAYLOAD;
__webpack_unused_export__ = clearCredentialCache;
__webpack_unused_export__ = createScope;
__webpack_unused_export__ = getCanonicalHeaders;
__webpack_unused_export__ = getCanonicalQuery;
__webpack_unused_export__ = getPayloadHash;
__webpack_unused_export__ = getSigningKey;
__webpack_unused_export__ = hasHeader;
__webpack_unused_export__ = moveHeadersToQuery;
__webpack_unused_export__ = prepareRequest;
__webpack_unused_export__ = signatureV4aContainer;


/***/ }),

/***/ 4151:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var isArrayBuffer = __nccwpck_require__(6130);
var buffer = __nccwpck_require__(181);

const fromArrayBuffer = (input, offset = 0, length = input.byteLength - offset) => {
    if (!isArrayBuffer.isArrayBuffer(input)) {
        throw new TypeError(`The "input" argument must be ArrayBuffer. Received type ${typeof input} (${input})`);
    }
    return buffer.Buffer.from(input, offset, length);
};
const fromString = (input, encoding) => {
    if (typeof input !== "string") {
        throw new TypeError(`The "input" argument must be of type string. Received type ${typeof input} (${input})`);
    }
    return encoding ? buffer.Buffer.from(input, encoding) : buffer.Buffer.from(input);
};

exports.fromArrayBuffer = fromArrayBuffer;
exports.fromString = fromString;


/***/ }),

/***/ 6435:
/***/ ((__unused_webpack_module, exports) => {



const SHORT_TO_HEX = {};
const HEX_TO_SHORT = {};
for (let i = 0; i < 256; i++) {
    let encodedByte = i.toString(16).toLowerCase();
    if (encodedByte.length === 1) {
        encodedByte = `0${encodedByte}`;
    }
    SHORT_TO_HEX[i] = encodedByte;
    HEX_TO_SHORT[encodedByte] = i;
}
function fromHex(encoded) {
    if (encoded.length % 2 !== 0) {
        throw new Error("Hex encoded strings must have an even number length");
    }
    const out = new Uint8Array(encoded.length / 2);
    for (let i = 0; i < encoded.length; i += 2) {
        const encodedByte = encoded.slice(i, i + 2).toLowerCase();
        if (encodedByte in HEX_TO_SHORT) {
            out[i / 2] = HEX_TO_SHORT[encodedByte];
        }
        else {
            throw new Error(`Cannot decode unrecognized sequence ${encodedByte} as hexadecimal`);
        }
    }
    return out;
}
function toHex(bytes) {
    let out = "";
    for (let i = 0; i < bytes.byteLength; i++) {
        out += SHORT_TO_HEX[bytes[i]];
    }
    return out;
}

exports.fromHex = fromHex;
exports.toHex = toHex;


/***/ }),

/***/ 6324:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var types = __nccwpck_require__(3804);

const getSmithyContext = (context) => context[types.SMITHY_CONTEXT_KEY] || (context[types.SMITHY_CONTEXT_KEY] = {});

const normalizeProvider = (input) => {
    if (typeof input === "function")
        return input;
    const promisified = Promise.resolve(input);
    return () => promisified;
};

exports.getSmithyContext = getSmithyContext;
exports.normalizeProvider = normalizeProvider;


/***/ }),

/***/ 3804:
/***/ ((__unused_webpack_module, exports) => {



exports.HttpAuthLocation = void 0;
(function (HttpAuthLocation) {
    HttpAuthLocation["HEADER"] = "header";
    HttpAuthLocation["QUERY"] = "query";
})(exports.HttpAuthLocation || (exports.HttpAuthLocation = {}));

exports.HttpApiKeyAuthLocation = void 0;
(function (HttpApiKeyAuthLocation) {
    HttpApiKeyAuthLocation["HEADER"] = "header";
    HttpApiKeyAuthLocation["QUERY"] = "query";
})(exports.HttpApiKeyAuthLocation || (exports.HttpApiKeyAuthLocation = {}));

exports.EndpointURLScheme = void 0;
(function (EndpointURLScheme) {
    EndpointURLScheme["HTTP"] = "http";
    EndpointURLScheme["HTTPS"] = "https";
})(exports.EndpointURLScheme || (exports.EndpointURLScheme = {}));

exports.AlgorithmId = void 0;
(function (AlgorithmId) {
    AlgorithmId["MD5"] = "md5";
    AlgorithmId["CRC32"] = "crc32";
    AlgorithmId["CRC32C"] = "crc32c";
    AlgorithmId["SHA1"] = "sha1";
    AlgorithmId["SHA256"] = "sha256";
})(exports.AlgorithmId || (exports.AlgorithmId = {}));
const getChecksumConfiguration = (runtimeConfig) => {
    const checksumAlgorithms = [];
    if (runtimeConfig.sha256 !== undefined) {
        checksumAlgorithms.push({
            algorithmId: () => exports.AlgorithmId.SHA256,
            checksumConstructor: () => runtimeConfig.sha256,
        });
    }
    if (runtimeConfig.md5 != undefined) {
        checksumAlgorithms.push({
            algorithmId: () => exports.AlgorithmId.MD5,
            checksumConstructor: () => runtimeConfig.md5,
        });
    }
    return {
        addChecksumAlgorithm(algo) {
            checksumAlgorithms.push(algo);
        },
        checksumAlgorithms() {
            return checksumAlgorithms;
        },
    };
};
const resolveChecksumRuntimeConfig = (clientConfig) => {
    const runtimeConfig = {};
    clientConfig.checksumAlgorithms().forEach((checksumAlgorithm) => {
        runtimeConfig[checksumAlgorithm.algorithmId()] = checksumAlgorithm.checksumConstructor();
    });
    return runtimeConfig;
};

const getDefaultClientConfiguration = (runtimeConfig) => {
    return getChecksumConfiguration(runtimeConfig);
};
const resolveDefaultRuntimeConfig = (config) => {
    return resolveChecksumRuntimeConfig(config);
};

exports.FieldPosition = void 0;
(function (FieldPosition) {
    FieldPosition[FieldPosition["HEADER"] = 0] = "HEADER";
    FieldPosition[FieldPosition["TRAILER"] = 1] = "TRAILER";
})(exports.FieldPosition || (exports.FieldPosition = {}));

const SMITHY_CONTEXT_KEY = "__smithy_context";

exports.IniSectionType = void 0;
(function (IniSectionType) {
    IniSectionType["PROFILE"] = "profile";
    IniSectionType["SSO_SESSION"] = "sso-session";
    IniSectionType["SERVICES"] = "services";
})(exports.IniSectionType || (exports.IniSectionType = {}));

exports.RequestHandlerProtocol = void 0;
(function (RequestHandlerProtocol) {
    RequestHandlerProtocol["HTTP_0_9"] = "http/0.9";
    RequestHandlerProtocol["HTTP_1_0"] = "http/1.0";
    RequestHandlerProtocol["TDS_8_0"] = "tds/8.0";
})(exports.RequestHandlerProtocol || (exports.RequestHandlerProtocol = {}));

exports.SMITHY_CONTEXT_KEY = SMITHY_CONTEXT_KEY;
exports.getDefaultClientConfiguration = getDefaultClientConfiguration;
exports.resolveDefaultRuntimeConfig = resolveDefaultRuntimeConfig;


/***/ }),

/***/ 146:
/***/ ((__unused_webpack_module, exports) => {



const escapeUri = (uri) => encodeURIComponent(uri).replace(/[!'()*]/g, hexEncode);
const hexEncode = (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

const escapeUriPath = (uri) => uri.split("/").map(escapeUri).join("/");

exports.escapeUri = escapeUri;
exports.escapeUriPath = escapeUriPath;


/***/ }),

/***/ 1577:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var utilBufferFrom = __nccwpck_require__(4151);

const fromUtf8 = (input) => {
    const buf = utilBufferFrom.fromString(input, "utf8");
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength / Uint8Array.BYTES_PER_ELEMENT);
};

const toUint8Array = (data) => {
    if (typeof data === "string") {
        return fromUtf8(data);
    }
    if (ArrayBuffer.isView(data)) {
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength / Uint8Array.BYTES_PER_ELEMENT);
    }
    return new Uint8Array(data);
};

const toUtf8 = (input) => {
    if (typeof input === "string") {
        return input;
    }
    if (typeof input !== "object" || typeof input.byteOffset !== "number" || typeof input.byteLength !== "number") {
        throw new Error("@smithy/util-utf8: toUtf8 encoder function only accepts string | Uint8Array.");
    }
    return utilBufferFrom.fromArrayBuffer(input.buffer, input.byteOffset, input.byteLength).toString("utf8");
};

exports.fromUtf8 = fromUtf8;
exports.toUint8Array = toUint8Array;
exports.toUtf8 = toUtf8;


/***/ }),

/***/ 3449:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  eF: () => (/* binding */ run)
});

// UNUSED EXPORTS: CONFIG_ENV_VAR, jobSummary

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __nccwpck_require__(8161);
;// CONCATENATED MODULE: external "os"
const external_os_namespaceObject = __builtinModule("os");
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/utils.js
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Sanitizes an input into a string so it can be passed into issueCommand safely
 * @param input input to sanitize into a string
 */
function toCommandValue(input) {
    if (input === null || input === undefined) {
        return '';
    }
    else if (typeof input === 'string' || input instanceof String) {
        return input;
    }
    return JSON.stringify(input);
}
/**
 *
 * @param annotationProperties
 * @returns The command properties to send with the actual annotation command
 * See IssueCommandProperties: https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs#L646
 */
function toCommandProperties(annotationProperties) {
    if (!Object.keys(annotationProperties).length) {
        return {};
    }
    return {
        title: annotationProperties.title,
        file: annotationProperties.file,
        line: annotationProperties.startLine,
        endLine: annotationProperties.endLine,
        col: annotationProperties.startColumn,
        endColumn: annotationProperties.endColumn
    };
}
//# sourceMappingURL=utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/command.js


/**
 * Issues a command to the GitHub Actions runner
 *
 * @param command - The command name to issue
 * @param properties - Additional properties for the command (key-value pairs)
 * @param message - The message to include with the command
 * @remarks
 * This function outputs a specially formatted string to stdout that the Actions
 * runner interprets as a command. These commands can control workflow behavior,
 * set outputs, create annotations, mask values, and more.
 *
 * Command Format:
 *   ::name key=value,key=value::message
 *
 * @example
 * ```typescript
 * // Issue a warning annotation
 * issueCommand('warning', {}, 'This is a warning message');
 * // Output: ::warning::This is a warning message
 *
 * // Set an environment variable
 * issueCommand('set-env', { name: 'MY_VAR' }, 'some value');
 * // Output: ::set-env name=MY_VAR::some value
 *
 * // Add a secret mask
 * issueCommand('add-mask', {}, 'secretValue123');
 * // Output: ::add-mask::secretValue123
 * ```
 *
 * @internal
 * This is an internal utility function that powers the public API functions
 * such as setSecret, warning, error, and exportVariable.
 */
function issueCommand(command, properties, message) {
    const cmd = new Command(command, properties, message);
    process.stdout.write(cmd.toString() + external_os_namespaceObject.EOL);
}
function issue(name, message = '') {
    issueCommand(name, {}, message);
}
const CMD_STRING = '::';
class Command {
    constructor(command, properties, message) {
        if (!command) {
            command = 'missing.command';
        }
        this.command = command;
        this.properties = properties;
        this.message = message;
    }
    toString() {
        let cmdStr = CMD_STRING + this.command;
        if (this.properties && Object.keys(this.properties).length > 0) {
            cmdStr += ' ';
            let first = true;
            for (const key in this.properties) {
                if (this.properties.hasOwnProperty(key)) {
                    const val = this.properties[key];
                    if (val) {
                        if (first) {
                            first = false;
                        }
                        else {
                            cmdStr += ',';
                        }
                        cmdStr += `${key}=${escapeProperty(val)}`;
                    }
                }
            }
        }
        cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
        return cmdStr;
    }
}
function escapeData(s) {
    return toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A');
}
function escapeProperty(s) {
    return toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A')
        .replace(/:/g, '%3A')
        .replace(/,/g, '%2C');
}
//# sourceMappingURL=command.js.map
;// CONCATENATED MODULE: external "crypto"
const external_crypto_namespaceObject = __builtinModule("crypto");
;// CONCATENATED MODULE: external "fs"
const external_fs_namespaceObject = __builtinModule("fs");
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/file-command.js
// For internal use, subject to change.
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */




function issueFileCommand(command, message) {
    const filePath = process.env[`GITHUB_${command}`];
    if (!filePath) {
        throw new Error(`Unable to find environment variable for file command ${command}`);
    }
    if (!external_fs_namespaceObject.existsSync(filePath)) {
        throw new Error(`Missing file at path: ${filePath}`);
    }
    external_fs_namespaceObject.appendFileSync(filePath, `${toCommandValue(message)}${external_os_namespaceObject.EOL}`, {
        encoding: 'utf8'
    });
}
function prepareKeyValueMessage(key, value) {
    const delimiter = `ghadelimiter_${external_crypto_namespaceObject.randomUUID()}`;
    const convertedValue = toCommandValue(value);
    // These should realistically never happen, but just in case someone finds a
    // way to exploit uuid generation let's not allow keys or values that contain
    // the delimiter.
    if (key.includes(delimiter)) {
        throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
    }
    if (convertedValue.includes(delimiter)) {
        throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
    }
    return `${key}<<${delimiter}${external_os_namespaceObject.EOL}${convertedValue}${external_os_namespaceObject.EOL}${delimiter}`;
}
//# sourceMappingURL=file-command.js.map
;// CONCATENATED MODULE: ./src/stdio.ts
/**
 * Writes to stdout and stderr with one synchronous write(2) per call, without creating `process.stdout` /
 * `process.stderr`. Node builds those streams on first use, which costs over a millisecond each, on every
 * run, for a handful of lines. The order of lines is the same as with the streams (on Linux and macOS they
 * write pipes and files synchronously too).
 *
 * Should the descriptor be non-blocking and full (EAGAIN), what is left of the text and everything after it
 * goes through the stream, which waits for the reader, so nothing is lost or reordered.
 */

function createFdWriter(fd, deps) {
    let viaStream = false;
    return (text) => {
        if (viaStream) {
            deps.stream().write(text);
            return;
        }
        const bytes = Buffer.from(text, 'utf8');
        let offset = 0;
        while (offset < bytes.length) {
            try {
                offset += deps.writeSync(fd, bytes, offset);
            }
            catch (err) {
                if (err.code !== 'EAGAIN')
                    throw err;
                viaStream = true;
                deps.stream().write(bytes.subarray(offset));
                return;
            }
        }
    };
}
const writeStdout = createFdWriter(1, { writeSync: external_node_fs_.writeSync, stream: () => process.stdout });
const writeStderr = createFdWriter(2, { writeSync: external_node_fs_.writeSync, stream: () => process.stderr });

;// CONCATENATED MODULE: ./src/actions-core.ts
/**
 * The parts of @actions/core this action uses, taken from the package's own modules.
 *
 * The package index (`import * as core from '@actions/core'`) also loads its OIDC client, which pulls in
 * @actions/http-client and undici: about 1 MB of bundle and 40 ms of start-up on every run, for
 * `getIDToken`, which this action does not call (it fetches the token through its own proxy-aware client
 * with the same request). The functions below are the index's one-line wrappers over the same modules, so
 * masking, outputs and file commands behave exactly as `core.setSecret`, `core.setOutput`, … do.
 *
 * One difference: the workflow commands this action issues (add-mask, debug, warning, error) and its log
 * lines are written to stdout with a synchronous write each (see stdio.ts) instead of `process.stdout`,
 * whose creation alone costs over a millisecond per run. The text is exactly what `issueCommand` writes.
 */

// The package's `exports` map only exposes its index, so these modules are imported by path.



/** A workflow command without properties, escaped as @actions/core's issueCommand escapes its message. */
function commandLine(command, message) {
    return `::${command}::${message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}${external_node_os_.EOL}`;
}
/** `core.getInput`: the trimmed INPUT_<NAME> variable, '' when unset. */
function getInput(name) {
    return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}
/** `core.setSecret`: registers a value with the runner's masker. */
function setSecret(secret) {
    writeStdout(commandLine('add-mask', secret));
}
/** `core.setOutput`. */
function setOutput(name, value) {
    if (process.env['GITHUB_OUTPUT']) {
        issueFileCommand('OUTPUT', prepareKeyValueMessage(name, value));
        return;
    }
    process.stdout.write(external_node_os_.EOL);
    issueCommand('set-output', { name }, value);
}
/** `core.setOutput` for several outputs: the same bytes in GITHUB_OUTPUT as one call each, in one write. */
function setOutputs(outputs) {
    if (process.env['GITHUB_OUTPUT']) {
        issueFileCommand('OUTPUT', outputs.map(([name, value]) => prepareKeyValueMessage(name, value)).join(external_node_os_.EOL));
        return;
    }
    for (const [name, value] of outputs)
        setOutput(name, value);
}
/** `core.exportVariable`. */
function exportVariable(name, value) {
    process.env[name] = value;
    if (process.env['GITHUB_ENV']) {
        issueFileCommand('ENV', prepareKeyValueMessage(name, value));
        return;
    }
    issueCommand('set-env', { name }, value);
}
function info(message) {
    writeStdout(message + external_node_os_.EOL);
}
function debug(message) {
    writeStdout(commandLine('debug', message));
}
function warning(message) {
    writeStdout(commandLine('warning', message));
}
/** `core.setFailed`: an error annotation and exit code 1. */
function setFailed(message) {
    process.exitCode = 1;
    writeStdout(commandLine('error', message));
}

;// CONCATENATED MODULE: ./src/core/errors.ts
/**
 * The two kinds of failure a user can act on.
 *
 * - {@link ConfigError}: an input is wrong. Raised before any request is sent; the CLI exits 2.
 * - {@link AuthError}: the identity could not be proven or exchanged (AWS, the OIDC provider or Mondoo
 *   said no, or could not be reached). The CLI exits 1.
 *
 * Messages are written for the person reading the CI log: what went wrong, then what to do about it.
 * They never contain a secret; callers only put non-secret values (ARNs, URLs, status codes) in them.
 */
class ConfigError extends Error {
    name = 'ConfigError';
    /** The input (Action input name or CLI flag) the message is about. */
    input;
    constructor(input, message) {
        super(message);
        this.input = input;
    }
}
class AuthError extends Error {
    name = 'AuthError';
    /** True when another attempt may succeed (network error, 429, 5xx). */
    transient;
    /** Milliseconds the server asked us to wait (Retry-After), if it said. */
    retryAfterMs;
    /** HTTP status of the answer that caused this, if there was one. */
    status;
    /** The server's clock (its Date header, in ms since the epoch), for clock-skew correction. */
    serverTime;
    constructor(message, opts = {}) {
        super(message);
        this.transient = opts.transient ?? false;
        this.retryAfterMs = opts.retryAfterMs;
        this.status = opts.status;
        this.serverTime = opts.serverTime;
    }
}
/** Message of anything thrown, without a stack trace. */
function errorMessage(err) {
    if (err instanceof Error)
        return err.message;
    return String(err);
}
/** Characters that may break or reorder a log line: controls (C0, DEL, C1), line and paragraph separators, bidi controls. */
const LOG_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** Shortens text from a server so a log line stays readable (one line; controls and bidi overrides escaped). */
function truncate(text, max = 300) {
    const oneLine = text.replace(/[\s\u0085]+/g, ' ').trim().replace(LOG_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max)}… (${oneLine.length - max} more characters)`;
}
/**
 * A URL-like value with any user name and password replaced by ***, for quoting in a message: a URL that is
 * refused for another reason (a query string, a space) may still carry credentials.
 */
function redactUserinfo(value) {
    return value.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?)[^/?#]*@/i, '$1***@');
}
/**
 * A user's value, quoted for a one-line log message: at most `max` characters, with control characters, line
 * and paragraph separators and bidirectional overrides escaped (JSON.stringify leaves U+0085, U+2028, U+2029
 * and the bidi controls as they are, and a log viewer may break the line there or reorder the text).
 */
function quoteForLog(value, max = 80) {
    const shown = value.length > max ? `${value.slice(0, max)}…` : value;
    return JSON.stringify(shown).replace(LOG_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __nccwpck_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __nccwpck_require__(4708);
;// CONCATENATED MODULE: external "node:tls"
const external_node_tls_namespaceObject = __builtinModule("node:tls");
;// CONCATENATED MODULE: external "node:net"
const external_node_net_namespaceObject = __builtinModule("node:net");
;// CONCATENATED MODULE: ./src/core/proxy.ts





function firstSet(env, names) {
    for (const name of names) {
        const value = env[name]?.trim();
        if (value)
            return value;
    }
    return undefined;
}
function parseProxyUrl(value, variable) {
    if (value === undefined)
        return undefined;
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
    let url;
    try {
        url = new URL(withScheme);
    }
    catch {
        throw new ConfigError('proxy', `${variable} is not a proxy URL. Use the form http://proxy.example.com:3128 (credentials, if any, as http://user:password@host:port).`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new ConfigError('proxy', `${variable} uses ${url.protocol.replace(':', '')}://, which is not supported. Use an http:// or https:// proxy URL.`);
    }
    return url;
}
function readProxySettings(env) {
    const httpsValue = firstSet(env, ['HTTPS_PROXY', 'https_proxy']);
    const httpValue = firstSet(env, ['HTTP_PROXY', 'http_proxy']);
    const noProxy = (firstSet(env, ['NO_PROXY', 'no_proxy']) ?? '')
        .split(/[\s,]+/)
        .map((entry) => entry.trim().toLowerCase())
        .filter((entry) => entry !== '');
    return {
        https: parseProxyUrl(httpsValue, env['HTTPS_PROXY']?.trim() ? 'HTTPS_PROXY' : 'https_proxy'),
        http: parseProxyUrl(httpValue, env['HTTP_PROXY']?.trim() ? 'HTTP_PROXY' : 'http_proxy'),
        noProxy,
    };
}
/** Values in the proxy settings that must never be printed: the URLs with credentials, and the password; each once. */
function proxySecrets(settings) {
    const secrets = [];
    for (const url of [settings.https, settings.http]) {
        if (url === undefined || (url.username === '' && url.password === ''))
            continue;
        secrets.push(url.href, url.href.replace(/\/$/, ''));
        if (url.password !== '')
            secrets.push(url.password, decodeURIComponent(url.password));
    }
    return [...new Set(secrets)];
}
/** One NO_PROXY entry: a host name or domain (optionally `.domain` or `*.domain`), an IP, or an IPv4 CIDR; optionally :port. */
function parseNoProxyEntry(entry) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed !== null)
        return { host: bracketed[1] ?? '', port: bracketed[2] };
    // A bare IPv6 address has several colons and no port.
    if ((entry.match(/:/g) ?? []).length > 1)
        return { host: entry, port: undefined };
    const m = /^(.*?)(?::(\d+))?$/.exec(entry);
    return { host: m?.[1] ?? entry, port: m?.[2] };
}
function ipv4ToNumber(ip) {
    if (!external_node_net_namespaceObject.isIPv4(ip))
        return undefined;
    return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}
/** Whether IPv4 `ip` lies in `cidr` (a.b.c.d/n). */
function inIpv4Cidr(ip, cidr) {
    const [base = '', bitsText = ''] = cidr.split('/');
    const bits = /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
    const address = ipv4ToNumber(ip);
    const network = ipv4ToNumber(base);
    if (address === undefined || network === undefined || !(bits >= 0 && bits <= 32))
        return false;
    const size = 2 ** (32 - bits);
    return Math.floor(address / size) === Math.floor(network / size);
}
/**
 * NO_PROXY matching as curl does it: `*`; a host name, matching itself and its subdomains (a leading `.` or
 * `*.` is the same); an IP address, matching only itself; an IPv4 CIDR block; each optionally with :port.
 */
function bypassesProxy(target, noProxy) {
    const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = target.port || (target.protocol === 'https:' ? '443' : '80');
    return noProxy.some((entry) => {
        if (entry === '*')
            return true;
        const parsed = parseNoProxyEntry(entry);
        if (parsed.port !== undefined && parsed.port !== port)
            return false;
        if (parsed.host.includes('/'))
            return inIpv4Cidr(host, parsed.host);
        if (external_node_net_namespaceObject.isIP(parsed.host) !== 0 || external_node_net_namespaceObject.isIP(host) !== 0)
            return parsed.host === host;
        const domain = parsed.host.replace(/^\*?\./, '');
        return domain !== '' && (host === domain || host.endsWith(`.${domain}`));
    });
}
function proxyFor(target, settings) {
    const proxy = target.protocol === 'https:' ? settings.https : settings.http;
    if (proxy === undefined || bypassesProxy(target, settings.noProxy))
        return undefined;
    return proxy;
}
function proxyAuthorization(proxy) {
    if (proxy.username === '' && proxy.password === '')
        return undefined;
    const user = decodeURIComponent(proxy.username);
    const pass = decodeURIComponent(proxy.password);
    return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}
/** Headers to send to an http proxy that forwards a plain-http request (absolute-form request line). */
function forwardProxyHeaders(proxy) {
    const auth = proxyAuthorization(proxy);
    return auth === undefined ? {} : { 'proxy-authorization': auth };
}
/**
 * The proxy would not open a tunnel. `transient` is false when another attempt cannot help: the proxy wants
 * credentials (407) or its policy forbids the destination (403, and other 4xx).
 */
class ProxyTunnelError extends Error {
    status;
    transient;
    name = 'ProxyTunnelError';
    constructor(message, status, transient) {
        super(message);
        this.status = status;
        this.transient = transient;
    }
}
/** Why a proxy refused a CONNECT, and what to do about it. Never includes the proxy's credentials. */
function tunnelRefusal(proxy, target, status) {
    const where = `the proxy ${proxy.host} refused to open a tunnel to ${target}: HTTP ${status}`;
    if (status === 407) {
        const fix = proxy.username === '' && proxy.password === ''
            ? 'it requires authentication: give the credentials in the proxy URL, as http://user:password@host:port'
            : 'proxy authentication failed: check the user and password in the proxy URL (percent-encode @ : / and % in them)';
        return new ProxyTunnelError(`${where} (${fix}).`, status, false);
    }
    if (status >= 500 || status === 429)
        return new ProxyTunnelError(`${where}.`, status, true);
    return new ProxyTunnelError(`${where}. Allow ${target} in the proxy, or list the host in NO_PROXY if it is reachable directly.`, status, false);
}
/** An https.Agent that reaches every origin through an HTTP CONNECT tunnel to `proxy`. */
class TunnelAgent extends external_node_https_.Agent {
    proxy;
    constructor(proxy) {
        super({ keepAlive: false });
        this.proxy = proxy;
    }
    createConnection(options, callback) {
        let settled = false;
        const done = (err, stream) => {
            if (settled)
                return;
            settled = true;
            callback?.(err, stream);
        };
        const target = `${options.host ?? 'localhost'}:${String(options.port ?? 443)}`;
        const auth = proxyAuthorization(this.proxy);
        const request = (this.proxy.protocol === 'https:' ? external_node_https_ : external_node_http_).request({
            host: this.proxy.hostname.replace(/^\[|\]$/g, ''),
            port: this.proxy.port || (this.proxy.protocol === 'https:' ? 443 : 80),
            method: 'CONNECT',
            path: target,
            headers: { host: target, ...(auth === undefined ? {} : { 'proxy-authorization': auth }) },
            agent: false,
        });
        // Until the tunnel is open, only the caller's own timers keep the process alive: a proxy that never
        // answers a CONNECT must not hold a finished run open after its attempt has timed out.
        request.once('socket', (socket) => socket.unref());
        request.once('connect', (response, socket) => {
            if (response.statusCode !== 200) {
                socket.destroy();
                done(tunnelRefusal(this.proxy, target, response.statusCode ?? 0));
                return;
            }
            socket.ref();
            const name = options.servername ?? options.host ?? '';
            const { host: _host, port: _port, path: _path, ...tlsOptions } = options;
            const secure = external_node_tls_namespaceObject.connect({ ...tlsOptions, socket, ...(external_node_net_namespaceObject.isIP(name) === 0 ? { servername: name } : {}) });
            done(null, secure);
        });
        request.once('error', (err) => done(new ProxyTunnelError(`could not reach the proxy ${this.proxy.host}: ${err.message}`, undefined, true)));
        request.end();
        return undefined;
    }
}

;// CONCATENATED MODULE: ./src/core/http.ts





/** No answer: the connection failed, was reset, or the attempt ran out of time. Always worth another try. */
class NetworkError extends Error {
    timedOut;
    name = 'NetworkError';
    constructor(message, timedOut) {
        super(message);
        this.timedOut = timedOut;
    }
}
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * An HttpClient on node:http(s), proxy-aware, with a hard per-request timeout: the attempt ends when the
 * time is up even if no connection was ever made (a proxy that never answers CONNECT).
 */
function createHttpClient(proxy) {
    // Keep-alive agents: a retry to the same origin reuses the connection, and a connection left idle at the
    // end does not hold the process open (the agent unrefs it) nor cost a close handshake before exit.
    // No TLS session cache: one connection per origin per run, so a session would never be resumed (and
    // caching serialises each ticket the server sends). One TLS context (the default one: Node's root
    // certificates and NODE_EXTRA_CA_CERTS) for every direct connection instead of a new one per connection.
    const agents = { http: new external_node_http_.Agent({ keepAlive: true }), https: new external_node_https_.Agent({ keepAlive: true, maxCachedSessions: 0 }) };
    let tlsContext;
    const tunnels = new Map();
    const tunnelTo = (url) => {
        let agent = tunnels.get(url.href);
        if (agent === undefined) {
            agent = new TunnelAgent(url);
            tunnels.set(url.href, agent);
        }
        return agent;
    };
    return (request) => new Promise((resolve, reject) => {
        const target = new URL(request.url);
        const via = proxyFor(target, proxy);
        const headers = { ...request.headers };
        if (request.body !== undefined)
            headers['content-length'] = String(Buffer.byteLength(request.body));
        const secure = target.protocol === 'https:';
        let transport = secure ? external_node_https_ : external_node_http_;
        let options = {
            hostname: target.hostname.replace(/^\[|\]$/g, ''),
            port: target.port || (secure ? 443 : 80),
            path: `${target.pathname}${target.search}`,
            method: request.method,
            headers,
            agent: secure ? agents.https : agents.http,
            ...(secure ? { secureContext: (tlsContext ??= (0,external_node_tls_namespaceObject.createSecureContext)()) } : {}),
        };
        if (via !== undefined && secure) {
            options = { ...options, agent: tunnelTo(via) };
        }
        else if (via !== undefined) {
            // Plain http through a forward proxy: absolute-form request line to the proxy.
            transport = via.protocol === 'https:' ? external_node_https_ : external_node_http_;
            options = {
                ...options,
                hostname: via.hostname.replace(/^\[|\]$/g, ''),
                port: via.port || (via.protocol === 'https:' ? 443 : 80),
                path: target.href,
                headers: { host: target.host, ...forwardProxyHeaders(via), ...headers },
                agent: via.protocol === 'https:' ? agents.https : agents.http,
            };
        }
        let settled = false;
        const settle = (outcome) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            outcome();
        };
        const req = transport.request(options, (res) => {
            if (via !== undefined && !secure && res.statusCode === 407) {
                res.resume();
                fail(tunnelRefusal(via, target.host, 407));
                return;
            }
            const chunks = [];
            let size = 0;
            res.on('data', (chunk) => {
                size += chunk.length;
                if (size > MAX_BODY_BYTES) {
                    req.destroy(new NetworkError(`the answer from ${target.host} was larger than ${MAX_BODY_BYTES} bytes`, false));
                    return;
                }
                chunks.push(chunk);
            });
            res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') })));
            res.on('error', (err) => fail(err));
        });
        const fail = (err) => settle(() => reject(networkFailure(err, target)));
        const timer = setTimeout(() => {
            const err = new NetworkError(`${target.host} did not answer within ${formatMs(request.timeoutMs)}`, true);
            fail(err);
            req.destroy(err);
        }, request.timeoutMs);
        req.on('error', fail);
        req.end(request.body);
    });
}
/** What a failed request means for the caller: a proxy's final refusal is not worth another attempt. */
function networkFailure(err, target) {
    if (err instanceof NetworkError)
        return err;
    if (err instanceof ProxyTunnelError) {
        // No status on the final error: a proxy's 403 is not the server's.
        return err.transient ? new NetworkError(`could not reach ${target.host}: ${err.message}`, false) : new AuthError(`${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}`);
    }
    return new NetworkError(`could not reach ${target.host}: ${describeSocketError(err)}`, false);
}
function describeSocketError(err) {
    const code = err.code;
    switch (code) {
        case 'ECONNREFUSED':
            return 'connection refused';
        case 'ECONNRESET':
            return 'the connection was reset before an answer arrived';
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
            return 'the host name could not be resolved (check the URL, DNS, or HTTPS_PROXY)';
        case 'ETIMEDOUT':
            return 'the connection timed out';
        case 'CERT_HAS_EXPIRED':
        case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
        case 'SELF_SIGNED_CERT_IN_CHAIN':
        case 'DEPTH_ZERO_SELF_SIGNED_CERT':
        case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
            return `TLS certificate not trusted (${code}); if a proxy inspects TLS, add its CA with NODE_EXTRA_CA_CERTS`;
        default:
            return code ? `${err.message} (${code})` : err.message;
    }
}
function formatMs(ms) {
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
/** Value of a response header as one string. */
function header(response, name) {
    const value = response.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
}

;// CONCATENATED MODULE: ./src/core/credentials.ts


/**
 * Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, read directly so the usual
 * case (aws-actions/configure-aws-credentials ran before) loads no SDK code. Like the SDK, this is skipped
 * when AWS_PROFILE is set.
 */
function credentialsFromEnv(env) {
    if (env['AWS_PROFILE']?.trim())
        return undefined;
    const accessKeyId = env['AWS_ACCESS_KEY_ID']?.trim() ?? '';
    const secretAccessKey = env['AWS_SECRET_ACCESS_KEY']?.trim() ?? '';
    const sessionToken = env['AWS_SESSION_TOKEN']?.trim() ?? '';
    if (accessKeyId === '' && secretAccessKey === '') {
        if (sessionToken !== '')
            throw new ConfigError('aws-credentials', 'AWS_SESSION_TOKEN is set but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not. Set all three (temporary credentials) or unset AWS_SESSION_TOKEN.');
        return undefined;
    }
    if (accessKeyId === '' || secretAccessKey === '') {
        const missing = accessKeyId === '' ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY';
        const present = accessKeyId === '' ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
        throw new ConfigError('aws-credentials', `${present} is set but ${missing} is empty. Set both (and AWS_SESSION_TOKEN for temporary credentials), or unset both to use another credential source.`);
    }
    if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId)) {
        throw new ConfigError('aws-credentials', 'AWS_ACCESS_KEY_ID does not look like an AWS access key ID (16 to 128 upper-case letters and digits, such as AKIA… or ASIA…). Check for stray quotes or spaces.');
    }
    return {
        accessKeyId,
        secretAccessKey,
        ...(sessionToken !== '' ? { sessionToken } : {}),
        source: sessionToken !== '' ? 'environment variables (temporary session credentials)' : 'environment variables (long-term access key)',
    };
}
/** Where the default chain looks, in order, for the "no credentials" message. */
function chainDescription(env) {
    const profile = env['AWS_PROFILE']?.trim() || 'default';
    const imds = env['AWS_EC2_METADATA_DISABLED']?.trim().toLowerCase() === 'true' ? ' (disabled by AWS_EC2_METADATA_DISABLED)' : '';
    return [
        'environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
        `the shared config and credentials files (profile "${profile}"; SSO, credential_process and role profiles included)`,
        'a web identity token file (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)',
        'container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI, ECS and EKS Pod Identity)',
        `EC2 instance metadata (IMDSv2)${imds}`,
    ].join('; ');
}
/**
 * What the chain's last link, EC2 instance metadata, says about a failure: the SDK's own error is only
 * "Could not load credentials from any providers". `tried` is whether the chain reached IMDS; a failure
 * that took the whole IMDS timeout means it did not answer.
 */
function imdsHint(env, tried, elapsedMs, imdsTimeoutMs) {
    if (!tried || env['AWS_EC2_METADATA_DISABLED']?.trim().toLowerCase() === 'true')
        return '';
    const hopLimit = 'On a self-hosted runner in a container, IMDSv2 answers only if the instance metadata hop limit is at least 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2).';
    if (elapsedMs >= imdsTimeoutMs) {
        return ` EC2 instance metadata (IMDSv2) did not answer within ${formatMs(imdsTimeoutMs)}. ${hopLimit} Not on EC2: set AWS_EC2_METADATA_DISABLED=true and provide credentials another way.`;
    }
    return ` EC2 instance metadata (IMDSv2) gave no credentials: not on EC2, or the instance has no instance profile (IAM role). ${hopLimit}`;
}
/**
 * The AWS SDK's default credential chain, loaded only when the environment holds no keys. IMDS is given
 * one short attempt so a machine with no credentials fails within seconds.
 */
async function credentialsFromChain(loadChain, env, timeoutMs) {
    const { defaultProvider } = await loadChain();
    const profile = env['AWS_PROFILE']?.trim();
    const imdsTimeoutMs = Math.min(timeoutMs, 2000);
    // The SDK's debug lines say which links were tried; they are only inspected, never printed.
    let imdsTried = false;
    const note = (...parts) => {
        if (parts.some((p) => typeof p === 'string' && p.includes('fromInstanceMetadata')))
            imdsTried = true;
    };
    const logger = { trace: note, debug: note, info: note, warn: note, error: note };
    const provider = defaultProvider({ timeout: imdsTimeoutMs, maxRetries: 0, logger, ...(profile ? { profile } : {}) });
    const started = Date.now();
    let creds;
    try {
        creds = await provider();
    }
    catch (err) {
        const reason = truncate(errorMessage(err), 400);
        const imds = imdsHint(env, imdsTried, Date.now() - started, imdsTimeoutMs);
        throw new AuthError(`No AWS credentials found. Looked in: ${chainDescription(env)}. Last error: ${reason}.${imds} Fix: run aws-actions/configure-aws-credentials before this step, or set role-to-assume (with permissions: id-token: write), or give the runner an instance profile.`);
    }
    return {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
        source: 'the AWS SDK default credential chain',
    };
}

;// CONCATENATED MODULE: ./src/core/retry.ts


const DEFAULT_RETRY = {
    baseDelayMs: 500,
    maxDelayMs: 8_000,
    retryAfterCapMs: 20_000,
};
/** Only failures another attempt can fix are retried: no answer at all, 429 and 5xx. */
function isTransient(err) {
    return err instanceof NetworkError || (err instanceof AuthError && err.transient);
}
/** How long to wait before attempt `attempt + 1` (attempt counts from 1). */
function backoffDelay(attempt, err, policy, random) {
    if (err instanceof AuthError && err.retryAfterMs !== undefined) {
        return Math.min(Math.max(0, err.retryAfterMs), policy.retryAfterCapMs);
    }
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(random * ceiling);
}
/** Parses Retry-After (seconds, or an HTTP date relative to `now`) into milliseconds. */
function parseRetryAfter(value, now) {
    if (value === undefined || value.trim() === '')
        return undefined;
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed))
        return Number(trimmed) * 1000;
    const date = Date.parse(trimmed);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
/**
 * Runs `operation` until it succeeds, fails for good, runs out of attempts, or would pass `deadline`.
 * Each attempt calls `operation` afresh, so a caller re-signs (or fetches a fresh token) every time.
 */
async function withRetries(what, operation, opts) {
    const { policy, clock, deadline } = opts;
    for (let attempt = 1;; attempt++) {
        const remaining = deadline - clock.now();
        if (remaining <= 0)
            throw deadlineError(what, attempt - 1, undefined);
        try {
            return await operation({ attempt, timeoutMs: Math.min(opts.attemptTimeoutMs, remaining) });
        }
        catch (err) {
            if (!isTransient(err))
                throw err;
            if (attempt >= policy.maxAttempts) {
                throw new AuthError(`${what} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${errorMessage(err)}`, {
                    transient: true,
                    status: err instanceof AuthError ? err.status : undefined,
                });
            }
            const delay = backoffDelay(attempt, err, policy, clock.random());
            if (clock.now() + delay >= deadline)
                throw deadlineError(what, attempt, err);
            opts.onRetry?.(`${what}: attempt ${attempt} of ${policy.maxAttempts} failed (${errorMessage(err)}); retrying in ${formatMs(delay)}`);
            await clock.sleep(delay);
        }
    }
}
function deadlineError(what, attempts, last) {
    const tail = last === undefined ? '' : ` Last error: ${errorMessage(last)}`;
    return new AuthError(`${what} did not succeed before the overall timeout (timeout-seconds) after ${attempts} attempt${attempts === 1 ? '' : 's'}.${tail}`, {
        transient: true,
        status: last instanceof AuthError ? last.status : undefined,
    });
}

;// CONCATENATED MODULE: ./src/core/exchange.ts



const EXCHANGE_PATH = '/SecureTokenService/ExchangeExternalToken';
const GRPC_CODES = {
    1: 'Canceled',
    2: 'Unknown',
    3: 'InvalidArgument',
    4: 'DeadlineExceeded',
    5: 'NotFound',
    6: 'AlreadyExists',
    7: 'PermissionDenied',
    8: 'ResourceExhausted',
    9: 'FailedPrecondition',
    10: 'Aborted',
    11: 'OutOfRange',
    12: 'Unimplemented',
    13: 'Internal',
    14: 'Unavailable',
    15: 'DataLoss',
    16: 'Unauthenticated',
};
/** The JSON body of an exchange call. Key order is part of the contract tests pin. */
function exchangeBody(request) {
    return JSON.stringify({ audience: request.audience, issuer_uri: request.issuerUri, jwt_token: request.jwtToken });
}
/** Sends one exchange attempt and returns the base64 credential, or throws an {@link AuthError}. */
async function sendExchange(http, request, timeoutMs, now) {
    const response = await http({
        url: `${request.universeDomain}${EXCHANGE_PATH}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: exchangeBody(request),
        timeoutMs,
    });
    return { base64Credential: parseExchangeResponse(response, now), response };
}
function isJsonObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function tryJson(text) {
    try {
        return JSON.parse(text);
    }
    catch {
        return undefined;
    }
}
/**
 * Reads Mondoo's answer. 200 with `base64_credential` → the credential, unchanged. Anything else throws an
 * AuthError with the status and Mondoo's message (or a summary of an HTML page), marked transient for
 * 429 and 5xx. A 200 body is never quoted: it may hold a credential.
 */
function parseExchangeResponse(response, now) {
    const { status, body } = response;
    if (status === 200) {
        const parsed = tryJson(body);
        if (!isJsonObject(parsed)) {
            const type = header(response, 'content-type') ?? 'no content type';
            throw new AuthError(`Mondoo answered HTTP 200, but not with a JSON object (${type}, ${body.length} bytes). Check universe-domain points at the Mondoo API, not a web page or a proxy.`, { status });
        }
        const credential = parsed['base64_credential'];
        if (typeof credential !== 'string' || credential === '') {
            throw new AuthError(`Mondoo answered HTTP 200 without a base64_credential (keys: ${Object.keys(parsed).join(', ') || 'none'}). Check universe-domain points at the Mondoo API.`, { status });
        }
        return credential;
    }
    const transient = status === 429 || status >= 500;
    const retryAfterMs = transient ? parseRetryAfter(header(response, 'retry-after'), now) : undefined;
    throw new AuthError(`Mondoo answered HTTP ${status}: ${describeErrorBody(response)}`, { status, transient, retryAfterMs, serverTime: serverTime(response) });
}
/** The server's Date header in ms since the epoch, if it sent a valid one. */
function serverTime(response) {
    const value = header(response, 'date');
    const time = value === undefined ? Number.NaN : Date.parse(value);
    return Number.isNaN(time) ? undefined : time;
}
function describeErrorBody(response) {
    const body = response.body;
    const parsed = tryJson(body);
    if (isJsonObject(parsed)) {
        const message = typeof parsed['message'] === 'string' ? parsed['message'] : undefined;
        const code = typeof parsed['code'] === 'number' ? parsed['code'] : undefined;
        const codeName = code === undefined ? undefined : (GRPC_CODES[code] ?? `code ${code}`);
        if (message !== undefined || codeName !== undefined) {
            return `${codeName ?? 'error'}${message ? `: ${truncate(message)}` : ''}`;
        }
    }
    if (body.trim() === '')
        return 'an empty body';
    if (/<html|<!doctype/i.test(body)) {
        const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
        return `an HTML page${title ? ` titled "${truncate(title, 120)}"` : ''}, probably from a proxy or load balancer in front of Mondoo`;
    }
    return truncate(body);
}

;// CONCATENATED MODULE: ./src/core/mondoo-credential.ts

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
function invalid(reason) {
    return new AuthError(`Mondoo returned a base64_credential that is not a service-account credential: ${reason}. Nothing was exported. If this repeats, report it to Mondoo support.`);
}
/**
 * Decodes base64_credential to read its non-secret fields and to find the private key to mask. The value
 * passed on to later steps stays the original string; this never re-encodes it.
 */
function decodeCredential(base64Credential) {
    if (!STANDARD_BASE64.test(base64Credential))
        throw invalid('it is not standard base64');
    let parsed;
    try {
        parsed = JSON.parse(Buffer.from(base64Credential, 'base64').toString('utf8'));
    }
    catch {
        throw invalid('it does not decode to JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw invalid('it does not decode to a JSON object');
    const fields = parsed;
    const text = (key, required) => {
        const value = fields[key];
        if (typeof value === 'string' && value !== '')
            return value;
        if (!required && value === undefined)
            return '';
        throw invalid(`the field ${key} is ${value === undefined ? 'missing' : 'not a non-empty string'}`);
    };
    const privateKey = text('private_key', true);
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey))
        throw invalid('private_key is not a PEM private key');
    return {
        mrn: text('mrn', true),
        spaceMrn: text('space_mrn', false),
        privateKey,
        certificate: text('certificate', true),
        apiEndpoint: text('api_endpoint', true),
    };
}
/** What to mask for a credential: the private key whole and each of its lines (the runner masks per line). */
function credentialSecrets(base64Credential, credential) {
    const secrets = [base64Credential];
    if (credential !== undefined) {
        secrets.push(credential.privateKey);
        for (const line of credential.privateKey.split(/\r?\n/)) {
            const trimmed = line.trim();
            if (trimmed !== '' && !trimmed.startsWith('-----'))
                secrets.push(trimmed);
        }
    }
    return secrets;
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
// EXTERNAL MODULE: ./node_modules/@smithy/signature-v4/dist-cjs/index.js
var dist_cjs = __nccwpck_require__(5118);
;// CONCATENATED MODULE: ./src/core/signing.ts


/** The request Mondoo replays against STS. Byte-compatible with Mondoo's own Go client. */
const GET_CALLER_IDENTITY_QUERY = 'Action=GetCallerIdentity&Version=2011-06-15';
const GET_CALLER_IDENTITY_BODY = GET_CALLER_IDENTITY_QUERY;
const GLOBAL_STS_HOST = 'sts.amazonaws.com';
const GLOBAL_STS_URL = (/* unused pure expression or super */ null && (`https://${GLOBAL_STS_HOST}/?${GET_CALLER_IDENTITY_QUERY}`));
const GLOBAL_STS_REGION = 'us-east-1';
const CONTENT_TYPE = 'application/x-www-form-urlencoded';
const MONDOO_TARGET = { endpoint: `https://${GLOBAL_STS_HOST}`, region: GLOBAL_STS_REGION };
function toBytes(data) {
    if (typeof data === 'string')
        return data;
    if (data instanceof ArrayBuffer)
        return new Uint8Array(data);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape @smithy/signature-v4 expects. */
class NodeSha256 {
    hash;
    constructor(secret) {
        this.hash = secret === undefined ? (0,external_node_crypto_.createHash)('sha256') : (0,external_node_crypto_.createHmac)('sha256', toBytes(secret));
    }
    update(data) {
        this.hash.update(toBytes(data));
    }
    digest() {
        return Promise.resolve(new Uint8Array(this.hash.digest()));
    }
    reset() {
        throw new Error('NodeSha256 is single-use');
    }
}
/**
 * Signs STS GetCallerIdentity with SigV4 at time `now`.
 *
 * Signed headers are exactly content-type;host;x-amz-date (plus x-amz-security-token for temporary
 * credentials): no x-amz-content-sha256 and no user-agent, as Mondoo's Go client does. The payload hash is
 * the SHA-256 of the fixed body, which STS (and Mondoo's replay) resend.
 */
async function signGetCallerIdentity(credentials, now, target = MONDOO_TARGET) {
    const url = new URL(`${target.endpoint}/?${GET_CALLER_IDENTITY_QUERY}`);
    const signer = new dist_cjs/* SignatureV4 */.BB({
        service: 'sts',
        region: target.region,
        credentials: {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
        },
        sha256: NodeSha256,
        applyChecksum: false,
        uriEscapePath: true,
    });
    const signed = await signer.sign({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host: url.host, 'content-type': CONTENT_TYPE },
        body: GET_CALLER_IDENTITY_BODY,
    }, { signingDate: now });
    const h = signed.headers;
    const authorization = h['authorization'];
    const amzDate = h['x-amz-date'];
    const signature = /Signature=([0-9a-f]{64})$/.exec(authorization ?? '')?.[1];
    if (authorization === undefined || amzDate === undefined || signature === undefined) {
        throw new Error('SigV4 signing produced no Authorization header');
    }
    const headers = {
        host: url.host,
        Authorization: authorization,
        'Content-Type': CONTENT_TYPE,
        'X-Amz-Date': amzDate,
    };
    const token = h['x-amz-security-token'];
    if (token !== undefined)
        headers['X-Amz-Security-Token'] = token;
    return { url: url.toString(), method: 'POST', headers, body: GET_CALLER_IDENTITY_BODY, signature };
}
/**
 * The JSON form Mondoo expects in `jwt_token`: url, method and headers (host first, then every other header
 * once, sorted by name). No body: Mondoo's server resends the fixed body.
 */
function serializeSignedRequest(request) {
    const names = Object.keys(request.headers).filter((name) => name !== 'host');
    names.sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
    const host = request.headers['host'];
    const headers = [
        ...(host === undefined ? [] : [{ key: 'host', value: host }]),
        ...names.map((key) => ({ key, value: request.headers[key] })),
    ];
    return JSON.stringify({ url: request.url, method: request.method, headers });
}

;// CONCATENATED MODULE: ./src/core/skew.ts

/** A clock more than this far from the server's is corrected (once per request), with a warning. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/**
 * How STS (directly, or quoted by Mondoo after its replay) says a signature was refused for its time:
 * "Signature expired: … is now earlier than …", "Signature not yet current: …", and the codes other AWS
 * endpoints use. Deliberately not "expired" alone: an expired session token is not a clock problem.
 */
const TIME_REJECTION = /Signature expired|Signature not yet current|RequestExpired|RequestTimeTooSkewed|request time and the current time|clock skew/i;
/** Whether a server's message says a signature was refused for its time. */
function isTimeRejection(message) {
    return TIME_REJECTION.test(message);
}
/**
 * How far the local clock is behind the server's, in ms (negative: ahead), when `err` refused a signature
 * for its time and the server's Date header shows more than {@link MAX_CLOCK_SKEW_MS} of difference.
 * Otherwise undefined: nothing a re-signed request could fix.
 */
function clockSkewOf(err, localNow) {
    if (!(err instanceof AuthError) || err.serverTime === undefined || !isTimeRejection(err.message))
        return undefined;
    const skew = err.serverTime - localNow;
    return Math.abs(skew) > MAX_CLOCK_SKEW_MS ? skew : undefined;
}
/**
 * "20 min", "1 h 5 min", "45 s": a clock difference as a person reads it. A Date header has whole seconds,
 * so anything of a minute or more is rounded to whole minutes.
 */
function describeDuration(ms) {
    const seconds = Math.round(Math.abs(ms) / 1000);
    if (seconds < 60)
        return `${seconds} s`;
    const minutes = Math.round(seconds / 60);
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return [h > 0 ? `${h} h` : '', m > 0 || h === 0 ? `${m} min` : ''].filter((p) => p !== '').join(' ');
}
/** The warning printed when a request is signed again with the server's time. */
function skewWarning(skewMs, server) {
    return `This machine's clock is about ${describeDuration(skewMs)} ${skewMs > 0 ? 'behind' : 'ahead of'} ${server}'s (by its Date header), and a signed request was refused for its time. Signing again with the server's time; fix the clock on this runner (NTP).`;
}

;// CONCATENATED MODULE: ./src/core/subject.ts
const ARN = /^arn:([^:]+):(iam|sts)::(\d{12}):(.+)$/;
function accountIdFromArn(arn) {
    return ARN.exec(arn)?.[3];
}
/**
 * The subject pattern that would match `arn` in a Mondoo identity provider. Assumed-role session names
 * change every run, so an assumed role gets the `/*` wildcard.
 */
function subjectPatternFor(arn) {
    const m = ARN.exec(arn);
    if (m === null)
        return arn;
    const [, partition, service, account, resource] = m;
    if (service === 'sts' && resource.startsWith('assumed-role/')) {
        const role = resource.split('/')[1] ?? '';
        return `arn:${partition}:sts::${account}:assumed-role/${role}/*`;
    }
    return arn;
}

;// CONCATENATED MODULE: ./src/core/sts.ts





/**
 * Where the tool's own STS calls go: AWS_ENDPOINT_URL_STS (the SDK's standard variable), else
 * AWS_ENDPOINT_URL, else the regional endpoint. Never used for the request signed for Mondoo.
 */
function stsTargetFor(region, env) {
    for (const name of ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL']) {
        const value = env[name]?.trim();
        if (!value)
            continue;
        let url;
        try {
            url = new URL(value);
        }
        catch {
            throw new ConfigError('aws-region', `environment variable ${name} ${JSON.stringify(truncate(redactUserinfo(value), 120))} is not a URL. Set it to an STS endpoint such as https://sts.${region}.amazonaws.com, or unset it.`);
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') {
            throw new ConfigError('aws-region', `environment variable ${name} must be an http(s) URL such as https://sts.${region}.amazonaws.com.`);
        }
        return { endpoint: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`, region };
    }
    const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    return { endpoint: `https://sts.${region}.${suffix}`, region };
}
/** Code and Message of an AWS query-protocol ErrorResponse. */
function parseStsError(xml) {
    const code = xmlText(xml, 'Code');
    if (code === undefined)
        return undefined;
    return { code, message: xmlText(xml, 'Message') ?? '' };
}
/** The text of the first `<name>` element of an STS answer, entities decoded ('' when empty, undefined when absent). */
function xmlText(xml, name) {
    const raw = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
    return raw?.replace(/&(lt|gt|quot|apos|amp);/g, (_, entity) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[entity] ?? '');
}
/**
 * Asks STS who the credentials belong to, with a GetCallerIdentity signed for the tool's own STS endpoint
 * (not the request given to Mondoo). Used for the aws-arn output and for error messages.
 */
async function lookupCallerIdentity(http, credentials, target, now, timeoutMs) {
    const signed = await signGetCallerIdentity(credentials, now, target);
    const { host: _host, ...headers } = signed.headers;
    const response = await http({ url: signed.url, method: 'POST', headers, body: signed.body, timeoutMs });
    if (response.status !== 200) {
        const error = parseStsError(response.body);
        throw new AuthError(`STS GetCallerIdentity answered HTTP ${response.status}${error ? `: ${error.code}: ${truncate(error.message)}` : ''}`, { status: response.status, transient: response.status === 429 || response.status >= 500, serverTime: serverTime(response) });
    }
    const arn = xmlText(response.body, 'Arn') || undefined;
    const accountId = xmlText(response.body, 'Account') || (arn ? accountIdFromArn(arn) : undefined);
    if (arn === undefined || accountId === undefined)
        throw new AuthError('STS GetCallerIdentity answered without an Arn');
    return { arn, accountId };
}
/** The request body of AssumeRoleWithWebIdentity (query protocol), as the AWS SDK sends it. Holds the token: never log it. */
function assumeRoleBody(params) {
    return new URLSearchParams({
        Action: 'AssumeRoleWithWebIdentity',
        Version: '2011-06-15',
        RoleArn: params.roleArn,
        RoleSessionName: params.sessionName,
        WebIdentityToken: params.webIdentityToken,
        DurationSeconds: String(params.durationSeconds),
    }).toString();
}
/**
 * STS AssumeRoleWithWebIdentity, one attempt. The call is not signed (the web identity token is the proof),
 * so it is one form POST through the tool's own HTTP client, with the same proxy handling, time limit and
 * retries as every other request, and without loading the AWS SDK (about 1 MB of code) for it.
 */
async function assumeRoleWithWebIdentity(http, params) {
    const response = await http({
        url: `${params.target.endpoint}/`,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'text/xml' },
        body: assumeRoleBody(params),
        timeoutMs: params.timeoutMs,
    });
    if (response.status !== 200)
        throw assumeRoleRefusal(response, params);
    const field = (name) => xmlText(response.body, name) || undefined;
    const accessKeyId = field('AccessKeyId');
    const secretAccessKey = field('SecretAccessKey');
    const sessionToken = field('SessionToken');
    const arn = field('Arn');
    if (accessKeyId === undefined || secretAccessKey === undefined || sessionToken === undefined || arn === undefined) {
        throw new AuthError(`STS AssumeRoleWithWebIdentity for ${params.roleArn} answered without credentials`);
    }
    const expires = Date.parse(field('Expiration') ?? '');
    return {
        credentials: { accessKeyId, secretAccessKey, sessionToken },
        identity: { arn, accountId: accountIdFromArn(arn) ?? '' },
        expiration: Number.isNaN(expires) ? undefined : new Date(expires),
    };
}
/**
 * What to do when STS refused the credentials presented (in GetCallerIdentity, or in Mondoo's replay of it),
 * from STS's code or message; undefined when the refusal is not about the credentials.
 */
function explainStsRefusal(text) {
    if (/\bExpiredToken\b|security token included in the request is expired/i.test(text)) {
        return 'Fix: the temporary AWS credentials (session token) have expired. Get fresh ones right before this step: run aws-actions/configure-aws-credentials again (or give it a longer role-duration-seconds), refresh AWS_SESSION_TOKEN with its keys, or let this tool assume the role itself with role-to-assume.';
    }
    if (/\bInvalidClientTokenId\b|security token included in the request is invalid/i.test(text)) {
        return 'Fix: STS does not know this access key: it was deleted or deactivated, is from another partition, or the session token (AWS_SESSION_TOKEN) does not belong to the access key ID. Use an access key ID, secret and session token from the same, current credentials.';
    }
    if (isTimeRejection(text)) {
        return "Fix: STS refused the signature for its time: this machine's clock is more than 15 minutes off. Synchronise the runner's clock (NTP).";
    }
    if (/\bSignatureDoesNotMatch\b/.test(text)) {
        return 'Fix: the secret access key does not belong to the access key ID (STS computed a different signature). Check AWS_SECRET_ACCESS_KEY for stray spaces or quotes, or a rotated key.';
    }
    return undefined;
}
const RETRYABLE_STS_CODES = new Set(['Throttling', 'TooManyRequests', 'RequestLimitExceeded', 'IDPCommunicationError', 'ServiceUnavailable', 'InternalFailure']);
/** An STS error code without the "Exception" some codes carry (ExpiredTokenException), as the hints match them. */
function stsErrorCode(name) {
    return name.endsWith('Exception') && name !== 'Exception' ? name.slice(0, -'Exception'.length) : name;
}
/** STS refused AssumeRoleWithWebIdentity: its code and message, whether another attempt can help, and what to fix. */
function assumeRoleRefusal(response, params) {
    const error = parseStsError(response.body);
    const code = stsErrorCode(error?.code ?? '');
    const what = error ? `${error.code}: ${truncate(error.message)}` : `HTTP ${response.status}${response.body.trim() ? ` (${truncate(response.body.trim().replace(/\s+/g, ' '), 200)})` : ''}`;
    const where = `STS AssumeRoleWithWebIdentity for ${params.roleArn} failed: ${what}`;
    const status = response.status;
    if (RETRYABLE_STS_CODES.has(code) || status === 429 || status >= 500)
        return new AuthError(where, { status, transient: true, serverTime: serverTime(response) });
    return new AuthError(`${where}\n${assumeRoleHint(code, params.tokenDescription)}`, { status });
}
/** What to check when STS refuses the web identity: the role's trust policy against the token's claims. */
function assumeRoleHint(code, tokenDescription) {
    if (code === 'InvalidIdentityToken' || code === 'AccessDenied' || code === 'ExpiredToken') {
        return `Fix: check the role's trust policy. It must trust the OIDC provider that issued the token, its "aud" condition must equal the token's audience (web-identity-audience), and its "sub" condition must match the token's subject. The token presented: ${tokenDescription}.`;
    }
    if (code === 'ValidationError')
        return 'Fix: check role-to-assume, role-session-name and role-duration-seconds (the role\'s maximum session duration may be lower).';
    return `The token presented: ${tokenDescription}.`;
}

;// CONCATENATED MODULE: ./src/core/web-identity.ts

/** The non-secret claims of a JWT, for error messages. Never validates; never throws. */
function jwtClaims(token) {
    const payload = token.split('.')[1];
    if (payload === undefined)
        return {};
    try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        const text = (v) => (typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : undefined);
        const out = {};
        const iss = text(claims['iss']);
        const sub = text(claims['sub']);
        const aud = text(claims['aud']);
        if (iss !== undefined)
            out.iss = iss;
        if (sub !== undefined)
            out.sub = sub;
        if (aud !== undefined)
            out.aud = aud;
        return out;
    }
    catch {
        return {};
    }
}
function describeToken(source, token) {
    const c = jwtClaims(token);
    const parts = [`from ${source}`];
    if (c.iss)
        parts.push(`iss "${truncate(c.iss, 120)}"`);
    if (c.aud)
        parts.push(`aud "${truncate(c.aud, 120)}"`);
    if (c.sub)
        parts.push(`sub "${truncate(c.sub, 200)}"`);
    return parts.join(', ');
}
/**
 * GitHub Actions' OIDC token endpoint (what core.getIDToken calls), through the tool's own HTTP client so
 * the proxy settings, timeouts and retries are the same as for every other request.
 * Throws a ConfigError at once when the job has no id-token permission.
 */
function gitHubTokenSource(env, audience, http) {
    const requestUrl = env['ACTIONS_ID_TOKEN_REQUEST_URL']?.trim();
    const requestToken = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']?.trim();
    if (!requestUrl || !requestToken) {
        throw new ConfigError('role-to-assume', 'role-to-assume is set, but this job cannot request a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set). Add `permissions: id-token: write` to the job or workflow. (Pull requests from forks never get one.)');
    }
    return {
        name: 'GitHub Actions OIDC',
        async fetch(timeoutMs) {
            const url = `${requestUrl}${requestUrl.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`;
            const response = await http({ url, method: 'GET', headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' }, timeoutMs });
            if (response.status !== 200) {
                const transient = response.status === 429 || response.status >= 500;
                const fix = response.status === 401 || response.status === 403 ? ' Check that the job has `permissions: id-token: write`.' : '';
                let message = '';
                try {
                    const parsed = JSON.parse(response.body);
                    if (typeof parsed.message === 'string')
                        message = `: ${truncate(parsed.message)}`;
                }
                catch {
                    message = response.body.trim() && !/<html/i.test(response.body) ? `: ${truncate(response.body)}` : '';
                }
                throw new AuthError(`the GitHub OIDC token endpoint answered HTTP ${response.status}${message}.${fix}`, { status: response.status, transient });
            }
            let value;
            try {
                value = JSON.parse(response.body).value;
            }
            catch {
                value = undefined;
            }
            if (typeof value !== 'string' || value === '')
                throw new AuthError('the GitHub OIDC token endpoint answered without a token.');
            return value;
        },
    };
}

;// CONCATENATED MODULE: ./src/core/authenticate.ts












/**
 * The whole job: AWS credentials → a freshly signed GetCallerIdentity per attempt → Mondoo's exchange →
 * a decoded, masked credential. The AWS identity is learned concurrently and never delays the exchange.
 */
async function authenticate(config, deps) {
    const { clock, log } = deps;
    // Each value is handed to the masker once: the base64 credential, for one, is registered as soon as it
    // arrives and again among the values decoded from it.
    const registered = new Set();
    const secret = (value) => {
        if (value === '' || registered.has(value))
            return;
        registered.add(value);
        deps.secret(value);
    };
    const deadline = clock.now() + config.timeoutMs;
    const policy = { ...DEFAULT_RETRY, maxAttempts: config.maxAttempts };
    const retryOpts = { policy, clock, deadline, attemptTimeoutMs: config.attemptTimeoutMs, onRetry: (m) => log.warning(m) };
    const target = stsTargetFor(config.region, deps.env);
    // Signed requests use the local clock, corrected by the server's once a signature was refused for its time.
    let skewMs = 0;
    let skewReported = false;
    const signingTime = () => new Date(clock.now() + skewMs);
    /** After a refusal for time from a server whose clock is far from ours: adopt its time; warn once per run. */
    const adoptServerClock = (err, server) => {
        const skew = clockSkewOf(err, clock.now());
        if (skew === undefined)
            return false;
        skewMs = skew;
        if (!skewReported) {
            skewReported = true;
            log.warning(skewWarning(skew, server));
        }
        return true;
    };
    let credentials;
    /** The AWS identity presented; in env mode the lookup starts on the first call (after the exchange is sent). */
    let identity;
    let lookupFailure;
    if (config.roleToAssume !== undefined) {
        const source = deps.webIdentity;
        if (source === undefined)
            throw new AuthError('role-to-assume is set but no web identity token source is available.');
        const roleArn = config.roleToAssume;
        log.info(`Assuming ${roleArn} with a web identity token from ${source.name} (STS endpoint ${target.endpoint})`);
        const assumed = await withRetries(`AssumeRoleWithWebIdentity for ${roleArn}`, async ({ timeoutMs }) => {
            const started = clock.now();
            const token = await source.fetch(timeoutMs);
            secret(token);
            return assumeRoleWithWebIdentity(deps.http, {
                roleArn,
                sessionName: config.roleSessionName,
                durationSeconds: config.roleDurationSeconds,
                webIdentityToken: token,
                tokenDescription: describeToken(source.name, token),
                target,
                timeoutMs: Math.max(1, timeoutMs - (clock.now() - started)),
            });
        }, retryOpts);
        secret(assumed.credentials.accessKeyId);
        secret(assumed.credentials.secretAccessKey);
        secret(assumed.credentials.sessionToken);
        credentials = { ...assumed.credentials, source: `AssumeRoleWithWebIdentity (${assumed.identity.arn})` };
        const known = Promise.resolve(assumed.identity);
        identity = () => known;
    }
    else {
        const fromEnv = credentialsFromEnv(deps.env);
        if (fromEnv === undefined)
            log.debug('No AWS keys in the environment; loading the AWS SDK default credential chain');
        credentials = fromEnv ?? (await credentialsFromChain(deps.lazy.credentialChain, deps.env, config.attemptTimeoutMs));
        secret(credentials.secretAccessKey);
        if (credentials.sessionToken !== undefined)
            secret(credentials.sessionToken);
        // Learned alongside the exchange, started right after the exchange request is sent (never before it,
        // so it cannot delay it); best effort, re-signed once if refused for its time.
        // Its own limit, not the exchange's per-attempt one: a short attempt timeout is there to retry the exchange
        // sooner, and cutting the lookup short while the exchange is still being retried would save no time.
        const lookupTimeoutMs = Math.max(1, Math.min(5000, deadline - clock.now()));
        const resolved = credentials;
        const lookup = async () => {
            try {
                return await lookupCallerIdentity(deps.http, resolved, target, signingTime(), lookupTimeoutMs);
            }
            catch (err) {
                if (!adoptServerClock(err, 'STS'))
                    throw err;
                return lookupCallerIdentity(deps.http, resolved, target, signingTime(), lookupTimeoutMs);
            }
        };
        let started;
        identity = () => (started ??= lookup().then((found) => found, (err) => {
            lookupFailure = errorMessage(err);
            log.debug(`Could not learn the caller identity from STS at ${target.endpoint}: ${lookupFailure}`);
            return undefined;
        }));
    }
    log.info(`AWS credentials: ${credentials.source}`);
    const exchangeOnce = async (timeoutMs) => {
        // Signed immediately before each attempt: the signature is valid for about 15 minutes.
        const signed = await signGetCallerIdentity(credentials, signingTime());
        const jwtToken = serializeSignedRequest(signed);
        secret(signed.signature);
        secret(jwtToken);
        const started = clock.now();
        const exchanged = sendExchange(deps.http, { universeDomain: config.universeDomain, audience: config.audience, issuerUri: config.issuerUri, jwtToken }, timeoutMs, clock.now());
        if (deps.learnIdentity)
            void identity(); // never rejects
        const { base64Credential } = await exchanged;
        log.debug(`Mondoo answered the exchange in ${formatMs(clock.now() - started)}`);
        return base64Credential;
    };
    log.info(`Exchanging a signed STS GetCallerIdentity request with Mondoo at ${config.universeDomain}`);
    let base64Credential;
    let resigned = false;
    try {
        base64Credential = await withRetries('The Mondoo token exchange', async ({ timeoutMs }) => {
            try {
                return await exchangeOnce(timeoutMs);
            }
            catch (err) {
                if (resigned || !adoptServerClock(err, 'Mondoo'))
                    throw err;
                resigned = true;
                // A new request, signed now with the server's time: it gets a whole attempt's time, within the deadline.
                return exchangeOnce(Math.max(1, Math.min(config.attemptTimeoutMs, deadline - clock.now())));
            }
        }, retryOpts);
    }
    catch (err) {
        if (err instanceof AuthError && (err.status === 401 || err.status === 403)) {
            throw await rejection(err, await identity(), lookupFailure, config);
        }
        throw err;
    }
    secret(base64Credential);
    let credential;
    try {
        credential = decodeCredential(base64Credential);
    }
    finally {
        // Mask whatever could be decoded, even if a field is missing.
        for (const value of credentialSecrets(base64Credential, credential ?? tryDecodeKey(base64Credential)))
            secret(value);
    }
    return { base64Credential, credential, identity: deps.learnIdentity || config.roleToAssume !== undefined ? await identity() : undefined };
}
/** The private key of a credential that may be malformed, only to mask it. */
function tryDecodeKey(base64Credential) {
    try {
        const parsed = JSON.parse(Buffer.from(base64Credential, 'base64').toString('utf8'));
        return typeof parsed.private_key === 'string' ? { privateKey: parsed.private_key, mrn: '', spaceMrn: '', certificate: '', apiEndpoint: '' } : undefined;
    }
    catch {
        return undefined;
    }
}
/** A 401/403 from Mondoo: name the ARN presented and the subject that would match it. */
async function rejection(err, identity, lookupFailure, config) {
    const lines = [`Mondoo rejected the AWS identity for audience "${config.audience}". ${err.message}`];
    // STS refused the credentials themselves (expired, unknown, wrong secret, clock): that is the fix, not the subject.
    const stsFix = explainStsRefusal(err.message) ?? (identity === undefined && lookupFailure !== undefined ? explainStsRefusal(lookupFailure) : undefined);
    if (stsFix !== undefined) {
        if (identity !== undefined)
            lines.push(`AWS identity presented: ${identity.arn}`);
        lines.push(stsFix);
    }
    else if (identity !== undefined) {
        lines.push(`AWS identity presented: ${identity.arn}`);
        lines.push(`To allow it, set the Mondoo identity provider's subject to: ${subjectPatternFor(identity.arn)} (issuer ${config.issuerUri}), and check the audience matches.`);
    }
    else {
        lines.push(`The AWS identity presented could not be determined${lookupFailure ? ` (STS said: ${lookupFailure})` : ''}.`);
        lines.push('Check the identity provider in Mondoo: its subject must match the caller ARN (for an assumed role: arn:aws:sts::<account>:assumed-role/<RoleName>/*).');
    }
    return new AuthError(lines.join('\n'), { status: err.status });
}

;// CONCATENATED MODULE: ./src/core/clock.ts
const systemClock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: () => Math.random(),
};

;// CONCATENATED MODULE: ./src/core/config.ts

/** Every setting, by its Action input name. The CLI maps its flags onto the same names. */
const INPUT_NAMES = [
    'audience',
    'universe-domain',
    'issuer-uri',
    'role-to-assume',
    'role-session-name',
    'role-duration-seconds',
    'web-identity-audience',
    'aws-region',
    'export-env',
    'max-attempts',
    'attempt-timeout-seconds',
    'timeout-seconds',
];
const DEFAULTS = {
    'universe-domain': 'https://us.api.mondoo.com',
    'issuer-uri': 'https://sts.amazonaws.com',
    'role-session-name': 'GitHubActions',
    'role-duration-seconds': '900',
    'web-identity-audience': 'sts.amazonaws.com',
    'export-env': 'true',
    'max-attempts': '3',
    'attempt-timeout-seconds': '10',
    'timeout-seconds': '60',
};
const DEFAULT_REGION = 'us-east-1';
const describeAsActionInput = (name) => `input "${name}"`;
const ROLE_ARN = /^arn:(aws|aws-[a-z]+(?:-[a-z]+)*):iam::(\d{12}):role\/(?:[\u0021-\u007e]*\/)?[\w+=,.@-]{1,64}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/** Shows a user's value in an error message without letting it run on or break the log line. */
function quote(value) {
    return quoteForLog(value, 80);
}
/** {@link quote} for a URL: never shows a user name or password in it. */
function quoteUrl(value) {
    return quote(redactUserinfo(value));
}
/**
 * Normalises a Mondoo API base URL: adds https:// when no scheme is given, strips trailing slashes,
 * refuses plain http except to a loopback host, and refuses query strings, fragments and credentials.
 */
function normalizeUniverseDomain(value, describe = describeAsActionInput) {
    const what = describe('universe-domain');
    const trimmed = value.trim();
    if (trimmed === '')
        throw new ConfigError('universe-domain', `${what} is empty. Set it to your Mondoo API URL, for example https://us.api.mondoo.com or https://eu.api.mondoo.com.`);
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
    let url;
    try {
        url = new URL(withScheme);
    }
    catch {
        throw new ConfigError('universe-domain', `${what} ${quoteUrl(value)} is not a URL. Use the API URL Mondoo shows for the identity provider, for example https://us.api.mondoo.com.`);
    }
    if (url.search !== '' || url.hash !== '' || /[?#]/.test(trimmed)) {
        throw new ConfigError('universe-domain', `${what} ${quoteUrl(value)} must not contain a query string or fragment. Use just the API base URL, for example https://us.api.mondoo.com.`);
    }
    if (url.username !== '' || url.password !== '') {
        throw new ConfigError('universe-domain', `${what} must not contain a user name or password. Use just the API base URL, for example https://us.api.mondoo.com.`);
    }
    if (url.protocol === 'http:') {
        if (!isLoopbackHost(url.hostname)) {
            throw new ConfigError('universe-domain', `${what} ${quoteUrl(value)} uses plain http, which would send your AWS identity proof unencrypted. Use https:// (plain http is accepted only for loopback test servers).`);
        }
    }
    else if (url.protocol !== 'https:') {
        throw new ConfigError('universe-domain', `${what} ${quoteUrl(value)} must be an https:// URL, for example https://us.api.mondoo.com.`);
    }
    const path = url.pathname.replace(/\/+$/, '');
    return `${url.protocol}//${url.host}${path}`;
}
/** 127.0.0.0/8, ::1 and localhost. */
function isLoopbackHost(hostname) {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || host === '::1')
        return true;
    const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
    return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}
function requireText(name, value, describe, fix) {
    const trimmed = (value ?? '').trim();
    if (trimmed === '')
        throw new ConfigError(name, `${describe(name)} is required. ${fix}`);
    if (CONTROL_CHARS.test(trimmed))
        throw new ConfigError(name, `${describe(name)} contains a control character (such as a newline). ${fix}`);
    if (trimmed.length > 2048)
        throw new ConfigError(name, `${describe(name)} is ${trimmed.length} characters long; at most 2048 are accepted. ${fix}`);
    return trimmed;
}
function parseIssuerUri(value, describe) {
    const trimmed = requireText('issuer-uri', value, describe, 'Use the issuer URL of the Mondoo identity provider, normally https://sts.amazonaws.com.');
    let url;
    try {
        url = new URL(trimmed);
    }
    catch {
        url = undefined;
    }
    if (url === undefined || url.protocol !== 'https:') {
        throw new ConfigError('issuer-uri', `${describe('issuer-uri')} ${quoteUrl(trimmed)} must be an https:// URL, normally https://sts.amazonaws.com (the issuer URL of the Mondoo identity provider).`);
    }
    return trimmed;
}
function parseRoleArn(value, describe = describeAsActionInput) {
    const trimmed = (value ?? '').trim();
    if (trimmed === '')
        return undefined;
    if (!ROLE_ARN.test(trimmed)) {
        const hint = /^\d{12}$/.test(trimmed) || !trimmed.startsWith('arn:')
            ? ' Give the full ARN, not a role name or account ID.'
            : '';
        throw new ConfigError('role-to-assume', `${describe('role-to-assume')} ${quote(trimmed)} is not an IAM role ARN. Use the form arn:aws:iam::123456789012:role/RoleName (arn:<partition>:iam::<12-digit account>:role/<path/name>).${hint}`);
    }
    return trimmed;
}
function parseSessionName(value, describe = describeAsActionInput) {
    const trimmed = value.trim();
    if (!SESSION_NAME.test(trimmed)) {
        throw new ConfigError('role-session-name', `${describe('role-session-name')} ${quote(trimmed)} is not a valid session name. Use 2 to 64 characters from letters, digits and _+=,.@- (no spaces).`);
    }
    return trimmed;
}
function parseInteger(name, value, min, max, describe) {
    const trimmed = value.trim();
    const n = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
        throw new ConfigError(name, `${describe(name)} ${quote(trimmed)} must be a whole number from ${min} to ${max}.`);
    }
    return n;
}
function parseSeconds(name, value, min, max, describe) {
    const trimmed = value.trim();
    const n = /^\d+(?:\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!Number.isFinite(n) || n < min || n > max) {
        throw new ConfigError(name, `${describe(name)} ${quote(trimmed)} must be a number of seconds from ${min} to ${max}.`);
    }
    return Math.round(n * 1000);
}
function parseBoolean(name, value, describe = describeAsActionInput) {
    const trimmed = value.trim();
    if (['true', 'True', 'TRUE'].includes(trimmed))
        return true;
    if (['false', 'False', 'FALSE'].includes(trimmed))
        return false;
    throw new ConfigError(name, `${describe(name)} ${quote(trimmed)} must be true or false.`);
}
function parseRegion(value, describe, source) {
    const trimmed = value.trim();
    if (!REGION.test(trimmed)) {
        throw new ConfigError('aws-region', `${source === 'input' ? describe('aws-region') : source} ${quote(trimmed)} is not an AWS region. Use a region code such as us-east-1 or eu-central-1.`);
    }
    return trimmed;
}
/** The region for the tool's own STS calls: the input, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
function resolveRegion(input, env, describe) {
    if (input !== undefined && input.trim() !== '')
        return parseRegion(input, describe, 'input');
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
        const value = env[name]?.trim();
        if (value)
            return parseRegion(value, describe, `environment variable ${name}`);
    }
    return DEFAULT_REGION;
}
/**
 * Validates every setting before anything is sent. Empty values take the defaults (as the runner does
 * for action.yml defaults), so the CLI and the Action behave the same. Throws {@link ConfigError}
 * naming the first wrong input and how to fix it.
 */
function parseConfig(raw, env, describe = describeAsActionInput) {
    const get = (name) => {
        const value = raw[name]?.trim() ?? '';
        return value !== '' ? value : (DEFAULTS[name] ?? '');
    };
    const audience = requireText('audience', raw.audience, describe, 'Copy the audience Mondoo shows for your AWS identity provider (Settings → Identity Providers).');
    const universeDomain = normalizeUniverseDomain(get('universe-domain'), describe);
    const issuerUri = parseIssuerUri(get('issuer-uri'), describe);
    const roleToAssume = parseRoleArn(raw['role-to-assume'], describe);
    const roleSessionName = parseSessionName(get('role-session-name'), describe);
    const roleDurationSeconds = parseInteger('role-duration-seconds', get('role-duration-seconds'), 900, 43200, describe);
    const webIdentityAudience = requireText('web-identity-audience', get('web-identity-audience'), describe, 'Use the audience your IAM OIDC provider expects, normally sts.amazonaws.com.');
    const region = resolveRegion(raw['aws-region'], env, describe);
    const exportEnv = parseBoolean('export-env', get('export-env'), describe);
    const maxAttempts = parseInteger('max-attempts', get('max-attempts'), 1, 10, describe);
    const attemptTimeoutMs = parseSeconds('attempt-timeout-seconds', get('attempt-timeout-seconds'), 0.1, 300, describe);
    const timeoutMs = parseSeconds('timeout-seconds', get('timeout-seconds'), 0.5, 3600, describe);
    return {
        audience,
        universeDomain,
        issuerUri,
        roleToAssume,
        roleSessionName,
        roleDurationSeconds,
        webIdentityAudience,
        region,
        exportEnv,
        maxAttempts,
        attemptTimeoutMs,
        timeoutMs,
    };
}

;// CONCATENATED MODULE: ./src/action.ts
/**
 * The GitHub Action adapter: inputs → core → masks, outputs, environment and job summary.
 * Every secret goes through core.setSecret before it can reach an output, a file command or a log line.
 */









const CONFIG_ENV_VAR = 'MONDOO_CONFIG_BASE64';
function readInputs() {
    const raw = {};
    for (const name of INPUT_NAMES)
        raw[name] = getInput(name);
    return raw;
}
function action_setOutputs(config, result) {
    setOutputs([
        ['base64-credential', result.base64Credential],
        ['aws-arn', result.identity?.arn ?? ''],
        ['aws-account-id', result.identity?.accountId ?? ''],
        ['scope-mrn', result.credential.spaceMrn],
        ['service-account-mrn', result.credential.mrn],
        ['api-endpoint', result.credential.apiEndpoint],
    ]);
    if (config.exportEnv)
        exportVariable(CONFIG_ENV_VAR, result.base64Credential);
}
/** The job summary (Markdown with HTML, as the runner renders it): what was proven and what was issued. No secrets. */
function jobSummary(config, result) {
    const rows = [
        ['AWS identity', result.identity?.arn ?? '(not determined)'],
        ['Mondoo scope', result.credential.spaceMrn || '(organization or platform)'],
        ['Service account', result.credential.mrn],
        ['API endpoint', result.credential.apiEndpoint],
    ];
    const table = rows.map(([item, value]) => `<tr><td>${escapeHtml(item ?? '')}</td><td><code>${escapeHtml(value ?? '')}</code></td></tr>`).join('');
    const where = config.exportEnv
        ? `<p>The credential is available to later steps as <code>${CONFIG_ENV_VAR}</code>.</p>`
        : '<p>The credential is available as the <code>base64-credential</code> output.</p>';
    return `<h3>Mondoo AWS authentication</h3>\n<table><tr><th>Item</th><th>Value</th></tr>${table}</table>\n${where}\n`;
}
/** Appended synchronously: one small write, and no fs/promises to load for it. */
function writeSummary(config, result) {
    const file = process.env['GITHUB_STEP_SUMMARY'];
    if (!file)
        return;
    try {
        (0,external_node_fs_.appendFileSync)(file, jobSummary(config, result));
    }
    catch (err) {
        warning(`Could not write the job summary: ${errorMessage(err)}`);
    }
}
function escapeHtml(text) {
    return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
async function run(env = process.env) {
    try {
        const requestToken = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
        if (requestToken)
            setSecret(requestToken);
        const proxy = readProxySettings(env);
        for (const value of proxySecrets(proxy))
            setSecret(value);
        const config = parseConfig(readInputs(), env);
        const http = createHttpClient(proxy);
        const deps = {
            env,
            http,
            clock: systemClock,
            log: { info: info, warning: warning, debug: debug },
            lazy: { credentialChain: () => __nccwpck_require__.e(/* import() */ 861).then(__nccwpck_require__.t.bind(__nccwpck_require__, 5861, 19)) },
            secret: setSecret,
            // The aws-arn and aws-account-id outputs and the job summary name the identity.
            learnIdentity: true,
            webIdentity: config.roleToAssume === undefined ? undefined : gitHubTokenSource(env, config.webIdentityAudience, http),
        };
        const result = await authenticate(config, deps);
        action_setOutputs(config, result);
        info(`Authenticated to Mondoo as ${result.credential.mrn}${result.identity ? ` (AWS identity ${result.identity.arn})` : ''}`);
        if (config.exportEnv)
            info(`${CONFIG_ENV_VAR} is set for the following steps.`);
        writeSummary(config, result);
    }
    catch (err) {
        setFailed(err instanceof ConfigError ? `Invalid configuration: ${err.message}` : errorMessage(err));
    }
}


/***/ }),

/***/ 9407:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _action_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3449);
// Entry point of the GitHub Action (dist/index.js).

await (0,_action_js__WEBPACK_IMPORTED_MODULE_0__/* .run */ .eF)();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 181:
/***/ ((module) => {

module.exports = __builtinModule("buffer");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __builtinModule("node:async_hooks");

/***/ }),

/***/ 1421:
/***/ ((module) => {

module.exports = __builtinModule("node:child_process");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __builtinModule("node:crypto");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __builtinModule("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = __builtinModule("node:fs/promises");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = __builtinModule("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = __builtinModule("node:http2");

/***/ }),

/***/ 4708:
/***/ ((module) => {

module.exports = __builtinModule("node:https");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __builtinModule("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __builtinModule("node:path");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = __builtinModule("node:process");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __builtinModule("node:stream");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __builtinModule("node:util");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __builtinModule("node:zlib");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') Object.defineProperty(__nccwpck_require__, "ab", { configurable: true, get: () => decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/" });
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(9407);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
