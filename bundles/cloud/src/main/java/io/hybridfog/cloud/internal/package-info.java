/** Cloud worker implementation; not exported. */
package io.hybridfog.cloud.internal;
