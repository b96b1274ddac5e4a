// The two services Interhubz connects. One spelling of the union, so a third vendor (or a renamed
// one) is one edit and the compiler finds every place that must handle it.
export type Vendor = 'intercom' | 'hubspot';
