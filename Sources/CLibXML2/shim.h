#ifndef RCS_CLIBXML2_SHIM_H
#define RCS_CLIBXML2_SHIM_H

/* libxml2's headers pull in ICU when it is enabled, which clashes with
 * Foundation's copy: take the version header first and switch ICU off. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlerror.h>

/* Parse options for untrusted request bodies: no network, no entity
 * substitution, no DTD loading, no huge documents, errors kept quiet. */
static inline int rcs_xml_safe_options(void) {
    return XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
}

/* Stops the parser as soon as a DOCTYPE is met, in whatever encoding the body
 * uses: no DTD, internal or external, is ever parsed. */
static void rcs_xml_stop_at_doctype(void *ctx, const xmlChar *name, const xmlChar *externalID, const xmlChar *systemID) {
    (void)name; (void)externalID; (void)systemID;
    xmlStopParser((xmlParserCtxtPtr)ctx);
}

static inline void rcs_xml_refuse_dtds(xmlParserCtxtPtr ctxt) {
    if (ctxt != NULL && ctxt->sax != NULL) {
        ctxt->sax->internalSubset = rcs_xml_stop_at_doctype;
        ctxt->sax->externalSubset = rcs_xml_stop_at_doctype;
    }
}

/* xmlFree is a global function pointer: Swift 6 cannot read it safely. */
static inline void rcs_xml_free(void *pointer) { xmlFree(pointer); }

#endif
