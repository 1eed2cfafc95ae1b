// SPDX-License-Identifier: GPL-2.0-only
/*
 * gpuvirt_edu_mdev: a test mdev parent on QEMU's "edu" PCI device (1234:11e8),
 * with vendor-style types and NVIDIA-style time-sliced accounting: one type
 * per parent at a time, each up to its maximum. It lets libgpuvirt's profile
 * code meet the real mdev core on a PCI parent in the real-kernel tier.
 * Instances are accounting only: no vfio device is registered for them.
 * Part of libgpuvirt's tests; built at test time against the tier's kernel.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/mdev.h>
#include <linux/vfio.h>

#define GV_NTYPES 3

struct gv_type {
	struct mdev_type type;
	unsigned int max, count;
	const char *desc;
};

struct gv_parent {
	struct mdev_parent parent;
	struct mutex lock;
	struct gv_type types[GV_NTYPES];
	struct mdev_type *ptrs[GV_NTYPES];
	struct gv_type *active; /* the one type in use, or NULL */
};

static const struct {
	const char *name, *pretty, *desc;
	unsigned int max;
} gv_templates[GV_NTYPES] = {
	{ "1Q", "GPUVIRT EDU-1Q", "num_heads=2, frl_config=60, framebuffer=1024M, max_resolution=1920x1200, max_instance=4", 4 },
	{ "2Q", "GPUVIRT EDU-2Q", "num_heads=2, frl_config=60, framebuffer=2048M, max_resolution=3840x2160, max_instance=2", 2 },
	{ "4C", "GPUVIRT EDU-4C", "num_heads=1, frl_config=60, framebuffer=4096M, max_resolution=1920x1080, max_instance=1", 1 },
};

static struct gv_parent *to_parent(struct mdev_type *mtype)
{
	return container_of(mtype->parent, struct gv_parent, parent);
}

static unsigned int gv_get_available(struct mdev_type *mtype)
{
	struct gv_type *t = container_of(mtype, struct gv_type, type);
	struct gv_parent *p = to_parent(mtype);
	unsigned int avail;

	mutex_lock(&p->lock);
	avail = (p->active && p->active != t) ? 0 : t->max - t->count;
	mutex_unlock(&p->lock);
	return avail;
}

static ssize_t gv_show_description(struct mdev_type *mtype, char *buf)
{
	struct gv_type *t = container_of(mtype, struct gv_type, type);

	return sprintf(buf, "%s\n", t->desc);
}

static int gv_probe(struct mdev_device *mdev)
{
	struct gv_type *t = container_of(mdev->type, struct gv_type, type);
	struct gv_parent *p = to_parent(mdev->type);
	int ret = 0;

	mutex_lock(&p->lock);
	if ((p->active && p->active != t) || t->count >= t->max)
		ret = -EUSERS;
	else {
		t->count++;
		p->active = t;
	}
	mutex_unlock(&p->lock);
	return ret;
}

static void gv_remove(struct mdev_device *mdev)
{
	struct gv_type *t = container_of(mdev->type, struct gv_type, type);
	struct gv_parent *p = to_parent(mdev->type);

	mutex_lock(&p->lock);
	if (t->count && --t->count == 0)
		p->active = NULL;
	mutex_unlock(&p->lock);
}

static struct mdev_driver gv_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "gpuvirt_edu_mdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = gv_probe,
	.remove = gv_remove,
	.get_available = gv_get_available,
	.show_description = gv_show_description,
};

static int gv_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct gv_parent *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int i, ret;

	if (!p)
		return -ENOMEM;
	mutex_init(&p->lock);
	for (i = 0; i < GV_NTYPES; i++) {
		p->types[i].type.sysfs_name = gv_templates[i].name;
		p->types[i].type.pretty_name = gv_templates[i].pretty;
		p->types[i].desc = gv_templates[i].desc;
		p->types[i].max = gv_templates[i].max;
		p->ptrs[i] = &p->types[i].type;
	}
	ret = mdev_register_parent(&p->parent, &pdev->dev, &gv_mdev_driver, p->ptrs, GV_NTYPES);
	if (ret) {
		kfree(p);
		return ret;
	}
	pci_set_drvdata(pdev, p);
	return 0;
}

static void gv_pci_remove(struct pci_dev *pdev)
{
	struct gv_parent *p = pci_get_drvdata(pdev);

	mdev_unregister_parent(&p->parent);
	kfree(p);
}

static const struct pci_device_id gv_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, gv_ids);

static struct pci_driver gv_pci_driver = {
	.name = "gpuvirt-edu",
	.id_table = gv_ids,
	.probe = gv_pci_probe,
	.remove = gv_pci_remove,
};

static int __init gv_init(void)
{
	int ret = mdev_register_driver(&gv_mdev_driver);

	if (ret)
		return ret;
	ret = pci_register_driver(&gv_pci_driver);
	if (ret)
		mdev_unregister_driver(&gv_mdev_driver);
	return ret;
}

static void __exit gv_exit(void)
{
	pci_unregister_driver(&gv_pci_driver);
	mdev_unregister_driver(&gv_mdev_driver);
}

module_init(gv_init);
module_exit(gv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("libgpuvirt test: an mdev parent with time-sliced vGPU accounting on QEMU's edu device");
