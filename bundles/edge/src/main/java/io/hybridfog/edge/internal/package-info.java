/** Edge gateway implementation; not exported. */
package io.hybridfog.edge.internal;
