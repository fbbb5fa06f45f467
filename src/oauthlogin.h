/* oauthlogin.h - --oauth2-login: the person signs in once, postern keeps
 * the account's first refresh token in its token store.
 *
 * The device authorization grant (RFC 8628) where the account has a device
 * endpoint (oauth2_device_url, or Microsoft's preset); else the
 * authorization code grant with PKCE (RFC 6749 4.1, RFC 7636 S256) and a
 * redirect to a listener on 127.0.0.1 (RFC 8252 7.3), as Google needs.
 */
#ifndef POSTERN_OAUTHLOGIN_H
#define POSTERN_OAUTHLOGIN_H

#include "cli.h"

/* how long the code flow waits for the browser's redirect, in seconds */
#define PN_LOGIN_WAIT_S 300

/* pn_oauth_login_run - what to open and enter on stdout, the wait, the
 * tokens saved and where; exit 0, or the code of the failure (printed on
 * stderr) */
int pn_oauth_login_run(const struct pn_request *req, struct pn_error *err);

#endif
