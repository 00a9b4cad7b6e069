/** Test sets (Fashion-MNIST IDX, CIFAR-10 JPEG zip, any ImageFolder), data set configurations and the model bundle jars that belong to them. */
package io.hybridfog.demo.data;
